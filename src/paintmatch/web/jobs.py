"""Long work (colorize, re-propagate) in a thread pool, with progress that clients poll."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from paintmatch.errors import PaintmatchError
from paintmatch.web.errors import ApiError

__all__ = ["Job", "JobManager"]

log = logging.getLogger("paintmatch.web")
Work = Callable[[Callable[[int, int, str], None]], dict]


@dataclass
class Job:
    """One job and its progress.

    Attributes
    ----------
    id : str
    kind : str
        ``"colorize"`` or ``"propagate"``.
    cut : str
    state : str
        ``queued``, ``running``, ``done`` or ``failed``.
    done, total : int
        Frames finished and frames to do.
    current : str
        The frame last finished.
    error : str or None
        Why it failed.
    result : dict
        What it did (for example the frames recolored).
    """

    id: str
    kind: str
    cut: str
    state: str = "queued"
    done: int = 0
    total: int = 0
    current: str = ""
    error: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    finished: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return asdict(self)


class JobManager:
    """Runs jobs in a thread pool; at most one unfinished job per cut.

    Parameters
    ----------
    workers : int
        Threads.
    keep : int
        Finished jobs remembered (oldest forgotten first).
    """

    def __init__(self, workers: int = 1, keep: int = 200):
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="paintmatch-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._keep = keep

    def submit(self, kind: str, cut: str, work: Work) -> Job:
        """Queue ``work(progress)``; 409 ``cut_busy`` if the cut already has an unfinished job."""
        with self._lock:
            for job in self._jobs.values():
                if job.cut == cut and job.state in ("queued", "running"):
                    raise ApiError(409, "cut_busy", f"cut {cut} already has a {job.kind} job running ({job.id}); wait for it to finish")
            job = Job(id=uuid.uuid4().hex, kind=kind, cut=cut)
            self._jobs[job.id] = job
            finished = [j for j in self._jobs.values() if j.finished is not None]
            for old in sorted(finished, key=lambda j: j.finished or 0)[: max(0, len(finished) - self._keep)]:
                del self._jobs[old.id]
        self._executor.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Work) -> None:
        def progress(done: int, total: int, name: str) -> None:
            job.done, job.total, job.current = done, total, name

        job.state = "running"
        try:
            job.result = work(progress) or {}
            job.state = "done"
        except ApiError as error:
            job.error, job.state = error.message, "failed"
        except PaintmatchError as error:
            job.error, job.state = str(error), "failed"
        except OSError as error:  # a full disk or a read-only workspace: the machine's, not a bug
            from paintmatch.io import os_error_message

            log.warning("job %s (%s of cut %s) failed: %s", job.id, job.kind, job.cut, error)
            job.error, job.state = os_error_message(error.filename or job.cut, error), "failed"
        except Exception as error:  # a bug: keep the server alive, report it, log the traceback
            log.exception("job %s (%s of cut %s) failed", job.id, job.kind, job.cut)
            job.error, job.state = f"internal error: {type(error).__name__}: {error}", "failed"
        finally:
            job.finished = time.time()

    def get(self, job_id: str) -> Job:
        """The job with that id; 404 ``job_not_found``."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise ApiError(404, "job_not_found", f"no job {job_id!r} (jobs are forgotten when the server restarts)")
        return job

    def active(self, cut: str) -> Job | None:
        """The cut's unfinished job, if any."""
        with self._lock:
            return next((j for j in self._jobs.values() if j.cut == cut and j.state in ("queued", "running")), None)

    def shutdown(self) -> None:
        """Wait for running jobs and stop the threads."""
        self._executor.shutdown(wait=True, cancel_futures=True)
