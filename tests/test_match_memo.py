"""Matches kept between runs over one cut (``paintmatch.match.memo``): the same results, fewer matches.

The cut is the bundled example (``examples/demo-cut``: six frames, colored frame 0000), colored with the default
method as the review page colors it after each **Make colored frame** and each locked fix.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from paintmatch.cut import THROUGH, ColorizeOptions, colorize_frames, key_chains
from paintmatch.io import read_image
from paintmatch.match import Matching
from paintmatch.match.memo import MatchMemo, segmentation_key
from paintmatch.paint import paint

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "demo-cut"


@pytest.fixture(scope="module")
def demo() -> tuple[list[np.ndarray], np.ndarray]:
    lines = [read_image(path) for path in sorted((EXAMPLE / "line").glob("*.png"))]
    return lines, read_image(EXAMPLE / "gt" / "0000.png")


def _same(with_memo, without) -> None:  # noqa: ANN001 - lists of FrameResult
    for a, b in zip(with_memo, without, strict=True):
        for field in ("ref_index", "colors", "confidence", "stage"):
            assert np.array_equal(getattr(a.matching, field), getattr(b.matching, field)), (a.name, field)


def _steps(n_frames: int, colored: list[int], anchors: set[int] | None = None) -> int:
    """The matches ``colorize_frames`` makes: every target of every chain (those of ``anchors``' chains only)."""
    return sum(len(c.targets) for c in key_chains(n_frames, colored) if anchors is None or c.anchor in anchors)


def test_a_new_colored_frame_matches_only_its_own_chains_and_the_cut_comes_out_the_same(demo) -> None:  # noqa: ANN001
    lines, colored0 = demo
    n = len(lines)
    memo = MatchMemo()
    first = colorize_frames(lines, {0: colored0}, memo=memo)
    assert (memo.hits, memo.misses, len(memo)) == (0, _steps(n, [0]), _steps(n, [0]))

    # The painter makes frame 3 a colored frame (its result, one component repainted), and the cut is colored again.
    made = first[3].matching.colors.copy()
    made[int(np.argmax(first[3].frame.seg.areas))] = (255, 0, 200, 255)
    colored = {0: colored0, 3: paint(first[3].frame, made).image}
    again = colorize_frames(lines, colored, memo=memo)
    _same(again, colorize_frames(lines, colored))
    # Frame 0's chain crosses frame 3 with colors of its own: every one of its steps is kept; frame 3's are new.
    chains = key_chains(n, [0, 3])
    assert any(THROUGH in c.roles for c in chains if c.anchor == 0)
    assert memo.hits == _steps(n, [0, 3], anchors={0}) > 0
    assert memo.misses == _steps(n, [0]) + _steps(n, [0, 3], anchors={3})
    # Every frame was segmented once, by the first run: the second took those segmentations (the colored frames' too).
    assert (memo.segment_misses, memo.segment_hits) == (n, 2 + _steps(n, [0, 3]))


def test_a_locked_fix_matches_again_only_the_frames_after_it_on_its_chain(demo) -> None:  # noqa: ANN001
    lines, colored0 = demo
    n = len(lines)
    memo = MatchMemo()
    before = colorize_frames(lines, {0: colored0}, memo=memo)
    hits, misses = memo.hits, memo.misses
    pink = (255, 0, 200, 255)
    overrides = {2: {0: pink, 1: pink}}
    fixed = colorize_frames(lines, {0: colored0}, overrides=overrides, memo=memo)
    _same(fixed, colorize_frames(lines, {0: colored0}, overrides=overrides))
    assert tuple(fixed[2].matching.colors[0]) == pink
    # Frames 1 and 2 are matched as before (the fix comes after frame 2's match), frame 3 again from the fixed frame 2;
    # each later frame again where the frame before it came out otherwise.
    changed = [k for k in range(4, n) if not np.array_equal(fixed[k - 1].matching.colors, before[k - 1].matching.colors)]
    assert (memo.hits - hits, memo.misses - misses) == (n - 2 - len(changed), 1 + len(changed))


def test_a_memo_keeps_each_matchers_matches_apart(demo) -> None:  # noqa: ANN001
    lines, colored0 = demo
    memo = MatchMemo()
    colorize_frames(lines[:3], {0: colored0}, options=ColorizeOptions(method="simple"), memo=memo)
    assert (memo.hits, memo.misses, memo.segment_misses) == (0, 2, 3)
    # Another method: the segmentations are the same, the matches its own.
    results = colorize_frames(lines[:3], {0: colored0}, options=ColorizeOptions(method="overlap"), memo=memo)
    assert (memo.hits, memo.misses, len(memo), memo.segment_hits) == (0, 4, 4, 3)
    _same(results, colorize_frames(lines[:3], {0: colored0}, options=ColorizeOptions(method="overlap")))
    # A matcher object given (as evaluation passes one) is its own, apart from the method of the same name.
    from paintmatch.match import get_matcher

    colorize_frames(lines[:3], {0: colored0}, matcher=get_matcher("simple"), memo=memo)
    assert (memo.hits, memo.misses) == (0, 6)


def _matching(n: int, value: int) -> Matching:
    return Matching(ref_index=np.full(n, value, np.int32), colors=np.full((n, 4), value, np.uint8),
                    confidence=np.full(n, 0.5, np.float32), stage=np.zeros(n, np.uint8))


def test_the_memo_keeps_the_last_used_matches_and_hands_out_copies() -> None:
    memo = MatchMemo(max_matches=2)
    keys = [memo.key("simple", (bytes([k]) * 32, np.zeros((1, 4), np.uint8)), b"t" * 32, None) for k in range(3)]
    assert len(set(keys)) == 3
    memo.put(keys[0], _matching(2, 0))
    memo.put(keys[1], _matching(2, 1))
    got = memo.get(keys[0])  # used last: kept when a third comes
    got.colors[:] = 9  # the caller changes its copy (colorize_frames locks fixes in place)
    memo.put(keys[2], _matching(2, 2))
    assert memo.get(keys[1]) is None and len(memo) == 2
    assert memo.get(keys[0]).colors.max() == 0
    # The anchor's colors are part of the step.
    reference = (b"r" * 32, np.zeros((1, 4), np.uint8))
    anchored = memo.key("simple", reference, b"t" * 32, (b"a" * 32, np.ones((1, 4), np.uint8)))
    assert anchored != memo.key("simple", reference, b"t" * 32, (b"a" * 32, np.zeros((1, 4), np.uint8)))
    assert anchored != memo.key("overlap", reference, b"t" * 32, (b"a" * 32, np.ones((1, 4), np.uint8)))
    with pytest.raises(ValueError, match="at least 0"):
        MatchMemo(max_matches=-1)
    nothing = MatchMemo(max_matches=0)  # segmentations only (a colorize run's own)
    nothing.put(keys[0], _matching(2, 0))
    assert nothing.get(keys[0]) is None and len(nothing) == 0


def test_the_memo_keeps_segmented_frames_up_to_its_bytes(demo) -> None:  # noqa: ANN001
    from paintmatch.cut import segment_frame

    lines, _ = demo
    frames = [segment_frame(line, f"{k:04d}", "auto") for k, line in enumerate(lines[:3])]
    size = lines[0].nbytes + sum(v.nbytes for v in vars(frames[0][0].seg).values() if isinstance(v, np.ndarray))
    memo = MatchMemo(max_frame_bytes=2 * size + size // 2)
    keys = [segmentation_key(line, "auto") for line in lines[:3]]
    assert segmentation_key(lines[0], "auto", {"added": [[1, 2, 3, 4]]}) != keys[0] != segmentation_key(lines[0], 2)
    for key, (frame, reason) in zip(keys, frames):
        memo.keep_segmented(key, frame, reason)
    assert memo.segmented(keys[0], "0000") is None  # the first kept went when the third came
    again, reason = memo.segmented(keys[2], "0007")  # a held drawing: the same segmentation under its own name
    assert again.name == "0007" and again.seg is frames[2][0].seg and reason is None


def test_a_run_from_two_colored_frames_segments_each_frame_once(demo, monkeypatch) -> None:  # noqa: ANN001
    import paintmatch.cut as cut

    lines, colored0 = demo
    first = colorize_frames(lines, {0: colored0})
    colored = {0: colored0, 4: paint(first[4].frame, first[4].matching.colors).image}
    segmented = []
    real = cut.segment_frame
    monkeypatch.setattr(cut, "segment_frame", lambda line, name, *a, **k: segmented.append(name) or real(line, name, *a, **k))
    results = colorize_frames(lines, colored)
    # Both colored frames' chains cross every other frame and the other colored frame; each is segmented once.
    assert sorted(segmented) == [f"{k:04d}" for k in range(len(lines))]
    monkeypatch.setattr(cut, "segment_frame", real)
    _same(results, colorize_frames(lines, colored, options=ColorizeOptions(both_keys=True), memo=MatchMemo(max_frame_bytes=0)))
