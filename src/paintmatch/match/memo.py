"""Matches and segmentations kept between runs over a cut, reused where a step's inputs are the same.

A painter working in the review page colors the same cut again and again: after each **Make colored frame**, each
locked fix, each gap edit. Most steps of the new run are the old run's steps again: a colored frame's chains do not
change when another colored frame is added (they cross it with colors of their own), and a chain changes only from the
first frame whose line art, closures or locked colors changed. ``MatchMemo`` keeps each frame's segmentation under a
digest of what segmenting reads (the line art, the gap closing setting, the painter's gap edits), and each step's match
under the digests of its frames with their colors (reference, target, anchor), so that a run segments and matches only
what is new. Within one run it also spares the frames that several colored frames' chains cross their segmenting.

Written by hand: ``functools.lru_cache`` keys on the arguments' identity or hash, and frames are new arrays (which do not
hash) on every run; here the key is a digest of their contents, and the frames kept are bounded by their bytes.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence

import numpy as np

from paintmatch.match import Frame, Matching

__all__ = ["MAX_FRAME_BYTES", "MAX_MATCHES", "RUN_FRAME_BYTES", "MatchMemo", "paint_key", "segmentation_key"]

#: Matches kept per memo: a match is 13 bytes a component (a few kB a frame), so 4,096 of them stay under ~20 MB and
#: cover every step of a 100-frame cut with 20 colored frames.
MAX_MATCHES = 4096
#: Bytes of segmented frames kept per memo: a 1024 px frame of production-dev cut_004 holds 14 MB once matched (labels
#: 4.2, line classes 1, line art 4.2, the rest of the segmentation 0.1, features 0.3), a 1600 px one ~24 MB by the same
#: arrays: every frame of a 36-drawing cut at 1024 px, or 21 at 1600 px; past it the least recently used is segmented
#: again.
MAX_FRAME_BYTES = 512 * 2**20
#: Bytes of segmented frames a ``colorize`` run from several colored frames keeps on its own (``colorize_frames``; no
#: match), so that the chains of each colored frame segment a frame once: every frame of an 8-drawing cut at 1024 px;
#: two colored frames of an 8-frame cut at 3200 px peak at 1220 MB with it against 1149 without (DESIGN: <= 1.5 GB).
RUN_FRAME_BYTES = 256 * 2**20


def _digest(*parts: bytes | np.ndarray) -> bytes:
    """(32,) bytes: blake2b of ``parts``, each array with its dtype and shape."""
    digest = hashlib.blake2b(digest_size=32)
    for part in parts:
        if isinstance(part, np.ndarray):
            digest.update(str((part.dtype.str, part.shape)).encode())
            part = np.ascontiguousarray(part).data
        digest.update(part)
    return digest.digest()


def segmentation_key(line: np.ndarray, close_gaps: int | str, edits: Mapping[str, Sequence] | None = None) -> bytes:
    """(32,) bytes: a digest of what segmenting a line frame reads: its (H, W, 4) uint8 line art, the gap closing
    setting and the painter's gap ``edits``. The same frame segmented the same way on any run has the same key."""
    return _digest(line, json.dumps([str(close_gaps), edits or {}], sort_keys=True).encode())


def paint_key(line_key: bytes, colored: np.ndarray) -> bytes:
    """(32,) bytes: the key of a colored frame read through its paint (``split_by_paint``): its line frame's
    ``segmentation_key`` and its (H, W, 4) uint8 ``colored`` image."""
    return _digest(b"read through its paint", line_key, colored)


def _frame_bytes(frame: Frame) -> int:
    """The bytes a kept segmented frame holds: its line art and its segmentation's arrays (features come on top)."""
    arrays = [frame.line, *(value for value in vars(frame.seg).values() if isinstance(value, np.ndarray))]
    return sum(array.nbytes for array in arrays)


class _Recent:
    """Values by key, the least recently used dropped while their sizes sum past ``limit`` (a value larger than it is
    not kept); ``hits`` and ``misses`` count ``get``. Not locked: ``MatchMemo`` holds its lock around it."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: OrderedDict[bytes, tuple[object, int]] = OrderedDict()  # key -> (value, size)
        self.total = self.hits = self.misses = 0

    def get(self, key: bytes) -> object | None:
        found = self.items.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self.items.move_to_end(key)
        return found[0]

    def put(self, key: bytes, value: object, size: int = 1) -> None:
        if key in self.items:
            self.total -= self.items.pop(key)[1]
        if size > self.limit:
            return
        self.items[key] = (value, size)
        self.total += size
        while self.total > self.limit:
            self.total -= self.items.popitem(last=False)[1][1]


class MatchMemo:
    """Matches by their inputs' digest, the ``max_matches`` last used kept, and segmented line frames by
    ``segmentation_key``, the last used up to ``max_frame_bytes``.

    ``colorize_frames(..., memo=...)`` asks it before segmenting a line frame and before every match, and keeps what it
    makes. Every key is a digest of contents, and a match's names its matcher (``matcher_key``), so one memo may serve
    every cut of a workspace and every method; its methods may be called from several threads. A match is reused only
    for a matcher whose match is a function of its frames' line art, components and colors (every registered one:
    none reads a frame's name). ``hits`` and ``misses`` count the matches looked up, ``segment_hits`` and
    ``segment_misses`` the segmentations.
    """

    def __init__(self, max_matches: int = MAX_MATCHES, max_frame_bytes: int = MAX_FRAME_BYTES) -> None:
        if max_matches < 0 or max_frame_bytes < 0:
            raise ValueError(f"a memo's bounds must be at least 0; got {max_matches} matches, {max_frame_bytes} bytes")
        self.max_matches, self.max_frame_bytes = max_matches, max_frame_bytes
        self._matches = _Recent(max_matches)  # key -> Matching
        self._frames = _Recent(max_frame_bytes)  # segmentation_key -> (Frame, reason), sized in bytes
        self._held: dict[str, object] = {}  # matchers named by their id, held so that the id is never another's
        self._lock = threading.Lock()

    hits = property(lambda self: self._matches.hits, doc="Matches found kept.")
    misses = property(lambda self: self._matches.misses, doc="Matches looked up and not found.")
    segment_hits = property(lambda self: self._frames.hits, doc="Segmentations found kept.")
    segment_misses = property(lambda self: self._frames.misses, doc="Segmentations looked up and not found.")

    def __len__(self) -> int:
        """The matches kept."""
        return len(self._matches.items)

    def matcher_key(self, matcher: object, method: str | None = None, params: Mapping[str, object] | None = None) -> str:
        """The name a matcher's matches are kept under: its registered ``method`` and ``params`` where it was built
        from them (the same on every run), else the object itself (held by the memo)."""
        if method is not None:
            return f"{method} {sorted((params or {}).items())!r}"
        key = f"object {id(matcher)}"
        with self._lock:
            self._held[key] = matcher
        return key

    @staticmethod
    def key(matcher_key: str, reference: tuple[bytes, np.ndarray], target: bytes,
            anchor: tuple[bytes, np.ndarray] | None) -> bytes:
        """The digest of one step: the matcher's ``matcher_key``; ``reference`` and ``anchor`` as
        (``segmentation_key`` or ``paint_key``, (n, 4) uint8 colors), ``target`` a ``segmentation_key``; ``anchor``
        None where the matcher is given none."""
        anchor = anchor or (b"no anchor", np.zeros((0, 4), np.uint8))
        return _digest(matcher_key.encode(), reference[0], np.asarray(reference[1], np.uint8), anchor[0],
                       np.asarray(anchor[1], np.uint8), target)

    def get(self, key: bytes) -> Matching | None:
        """A copy of the match kept under ``key`` (the caller may change it), or None."""
        with self._lock:
            found = self._matches.get(key)
        return None if found is None else copy.deepcopy(found)

    def put(self, key: bytes, matching: Matching) -> None:
        """Keep a copy of ``matching`` under ``key``; the least recently used match goes past ``max_matches``."""
        if self.max_matches == 0:  # a memo of segmentations only (a colorize run's own): no copy to make
            return
        kept = copy.deepcopy(matching)
        with self._lock:
            self._matches.put(key, kept)

    def segmented(self, key: bytes, name: str) -> tuple[Frame, str | None] | None:
        """The segmented frame kept under ``key`` (a ``segmentation_key``), named ``name``, and why it cannot be colored
        (``segment_frame``'s reason), or None. It shares its segmentation and features with the one kept."""
        with self._lock:
            found = self._frames.get(key)
        if found is None:
            return None
        frame, reason = found
        return Frame(line=frame.line, seg=frame.seg, name=name, cache=frame.cache), reason

    def keep_segmented(self, key: bytes, frame: Frame, reason: str | None) -> None:
        """Keep a segmented frame (without its colors) under ``key``; the least recently used go past
        ``max_frame_bytes`` (a frame larger than it is not kept)."""
        kept = (Frame(line=frame.line, seg=frame.seg, name=frame.name, cache=frame.cache), reason)
        with self._lock:
            self._frames.put(key, kept, _frame_bytes(frame))
