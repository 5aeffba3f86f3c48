"""One helper thread for work that overlaps other work of the same frame (OpenCV and onnxruntime release the GIL)."""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor

import cv2

__all__ = ["in_background"]

_executor: ThreadPoolExecutor | None = None


def _forget_after_fork() -> None:
    # A forked child (multiprocessing, Dask's process workers) inherits the executor but not its
    # thread: work submitted there would wait forever. The child starts its own when it needs one.
    global _executor
    _executor = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def in_background(function, *args) -> Future:
    """Run ``function(*args)`` on the helper thread and return its ``Future``.

    Segmentation runs the distance transform beside the connected components this way, and ``best``
    the part field beside the optical flow. Where OpenCV is limited to one thread (batch workers
    that color frames in parallel processes) it runs in the caller's thread, before returning.
    """
    global _executor
    future: Future = Future()
    if cv2.getNumThreads() <= 1:
        try:
            future.set_result(function(*args))
        except BaseException as error:  # the caller sees it from .result(), as from a thread
            future.set_exception(error)
        return future
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="paintmatch-background")
    return _executor.submit(function, *args)
