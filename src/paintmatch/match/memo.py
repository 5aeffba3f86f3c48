"""Matches kept between runs over one cut, reused where a step's inputs are the same.

A painter working in the review page colors the same cut again and again: after each **Make colored frame**, each
locked fix, each gap edit. Most matching steps of the new run are the old run's steps again: a colored frame's chains
do not change when another colored frame is added (they cross it with colors of their own), and a chain changes only
from the first frame whose line art, closures or locked colors changed. ``MatchMemo`` keeps each step's match under a
digest of everything the matcher reads (the reference frame's line art, components and colors, the target's line art
and components, the anchor's likewise, and which matcher), so that a run matches only the steps whose inputs are new.

Written by hand: ``functools.lru_cache`` keys on the arguments' identity or hash, and frames are new objects (holding
arrays, which do not hash) on every run; here the key is a digest of their contents.
"""

from __future__ import annotations

import copy
import hashlib
from collections import OrderedDict

import numpy as np

from paintmatch.match import Frame, Matching

__all__ = ["MatchMemo", "frame_digest"]

#: Matches kept per memo: a match is 13 bytes a component (a few kB a frame), so 4,096 of them stay under ~20 MB and
#: cover every step of a 100-frame cut with 20 colored frames.
MAX_MATCHES = 4096


def frame_digest(frame: Frame) -> bytes:
    """(32,) bytes: a digest of a segmented frame's line art and components (``labels``, ``line_class``, the
    background flag); the same for the same frame segmented the same way on any run."""
    digest = hashlib.blake2b(digest_size=32)
    for array in (frame.line, frame.seg.labels, frame.seg.line_class):
        digest.update(str((array.dtype.str, array.shape)).encode())
        digest.update(np.ascontiguousarray(array).data)
    digest.update(b"transparent" if frame.seg.transparent else b"opaque")
    return digest.digest()


class MatchMemo:
    """Matches by their inputs' digest, the ``max_matches`` last used kept; one memo per cut and matcher.

    ``colorize_frames(..., memo=...)`` asks it before every match and stores every match it makes. The matcher's name
    (``matcher_key``) is part of every key; ``use`` forgets everything when it changes, so a memo never answers for
    another matcher. ``hits`` and ``misses`` count the lookups (for tests and logs).
    """

    def __init__(self, max_matches: int = MAX_MATCHES) -> None:
        if max_matches < 1:
            raise ValueError(f"max_matches must be at least 1; got {max_matches}")
        self.max_matches = max_matches
        self._matches: OrderedDict[bytes, Matching] = OrderedDict()
        self._matcher_key: str | None = None
        self._matcher: object | None = None  # held so that an ``id`` in ``matcher_key`` is never reused
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._matches)

    def use(self, matcher_key: str, matcher: object | None = None) -> None:
        """Start a run with the matcher named ``matcher_key`` (held, with ``matcher``): a new one forgets every match."""
        if matcher_key != self._matcher_key:
            self._matches.clear()
            self._matcher_key, self._matcher = matcher_key, matcher

    @staticmethod
    def key(reference: tuple[bytes, np.ndarray], target: bytes, anchor: tuple[bytes, np.ndarray] | None) -> bytes:
        """The digest of one step: ``reference`` and ``anchor`` as (``frame_digest``, (n, 4) uint8 colors), ``target``
        a ``frame_digest``; ``anchor`` None where the matcher is given none."""
        digest = hashlib.blake2b(digest_size=32)
        for frame, colors in (reference, anchor or (b"no anchor", np.zeros((0, 4), np.uint8))):
            digest.update(frame)
            digest.update(str(colors.shape).encode())
            digest.update(np.ascontiguousarray(colors, dtype=np.uint8).data)
        digest.update(target)
        return digest.digest()

    def get(self, key: bytes) -> Matching | None:
        """A copy of the match kept under ``key`` (the caller may change it), or None."""
        found = self._matches.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._matches.move_to_end(key)
        return copy.deepcopy(found)

    def put(self, key: bytes, matching: Matching) -> None:
        """Keep a copy of ``matching`` under ``key``; the least recently used match goes past ``max_matches``."""
        self._matches[key] = copy.deepcopy(matching)
        self._matches.move_to_end(key)
        while len(self._matches) > self.max_matches:
            self._matches.popitem(last=False)
