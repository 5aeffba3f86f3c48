"""Frames and colored frames: each frame matched by the chains from every colored frame, merged by confidence (``cut.key_chains``)."""

from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np
import pytest

from paintmatch.cut import (FINAL, FIRST_SIDE, SECOND_SIDE, THROUGH, ColorizeOptions, colored_sides, colorize_frames,
                            key_chains, merge_sides)
from paintmatch.errors import InputError
from paintmatch.match import Matching


def _plan(chains):
    return [(c.anchor, tuple(zip(c.targets, c.roles))) for c in chains]


def test_key_chains_match_every_frame_from_its_two_nearest_colored_frames():
    chains = key_chains(9, [2, 6])
    F, S, T = FIRST_SIDE, SECOND_SIDE, THROUGH
    assert _plan(chains) == [
        (2, ((1, F), (0, F))),
        (2, ((3, F), (4, F), (5, F), (6, T), (7, F), (8, F))),
        (6, ((5, S), (4, S), (3, S), (2, T), (1, S), (0, S))),
        (6, ((7, S), (8, S))),
    ]
    # Every frame that is not colored is kept once by a first side and merged once by a second side.
    kept = sorted(t for c in chains for t, r in zip(c.targets, c.roles) if r == F)
    merged = sorted(t for c in chains for t, r in zip(c.targets, c.roles) if r == S)
    assert kept == merged == [0, 1, 3, 4, 5, 7, 8]
    # Three colored frames: every colored frame's chains cross the others, to both ends of the cut.
    assert _plan(key_chains(7, [0, 3, 6])) == [
        (0, ((1, F), (2, F), (3, T), (4, F), (5, F))), (3, ((2, F), (1, F))), (3, ((4, F), (5, F))),
        (6, ((5, S), (4, S), (3, T), (2, S), (1, S)))]


def test_each_frame_is_merged_from_every_colored_frame_as_the_review_page_does():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(2, 14))
        keys = sorted(set(rng.integers(0, n, int(rng.integers(2, 6))).tolist()))
        if len(keys) < 2:
            continue
        sides: dict[int, list[int]] = {}
        for chain in key_chains(n, keys):
            for target, role in zip(chain.targets, chain.roles):
                assert (role == THROUGH) == (target in keys), (n, keys, target)
                if role == FIRST_SIDE:
                    assert target not in sides or sides[target][-1] != -1, (n, keys, target)
                    sides.setdefault(target, []).append(chain.anchor)
                elif role == SECOND_SIDE:
                    sides.setdefault(target, []).append(chain.anchor)
                    assert sorted(sides[target]) == sorted(colored_sides(target, keys)) == keys, (n, keys, target)
                    sides[target].append(-1)  # merged: no chain may reach it after this one
        assert all(visits[-1] == -1 for visits in sides.values())
        assert sorted(sides) == [t for t in range(n) if t not in keys]


def test_key_chains_with_one_side_take_the_nearer_colored_frame_ties_to_the_earlier():
    assert _plan(key_chains(9, [2, 6], both=False)) == [
        (2, ((1, FINAL), (0, FINAL))), (2, ((3, FINAL), (4, FINAL))), (6, ((5, FINAL),)), (6, ((7, FINAL), (8, FINAL)))]
    assert _plan(key_chains(4, [1])) == [(1, ((0, FINAL),)), (1, ((2, FINAL), (3, FINAL)))]  # one colored frame
    assert _plan(key_chains(5, [0, 4], skip=[2])) == [
        (0, ((1, FIRST_SIDE), (3, FIRST_SIDE))), (4, ((3, SECOND_SIDE), (1, SECOND_SIDE)))]
    assert _plan(key_chains(3, [0, 1, 2])) == []
    with pytest.raises(InputError, match="no colored frame"):
        key_chains(3, [1], skip=[1])


def _matching(colors, confidence, ref_index):
    n = len(confidence)
    return Matching(ref_index=np.asarray(ref_index, np.int32), colors=np.asarray(colors, np.uint8),
                    confidence=np.asarray(confidence, np.float32), stage=np.zeros(n, np.uint8))


def test_merge_sides_keeps_the_more_confident_color_of_each_component():
    red, blue = (255, 0, 0, 255), (0, 0, 255, 255)
    nearer = _matching([red, red, red], [0.9, 0.2, 0.5], [0, 1, 2])
    farther = _matching([blue, blue, blue], [0.1, 0.8, 0.5], [7, 8, 9])
    merged = merge_sides(nearer, farther)
    assert [tuple(c) for c in merged.colors] == [red, blue, red]  # a tie stays with the nearer side
    assert merged.ref_index.tolist() == [0, -1, 2]
    np.testing.assert_allclose(merged.confidence, [0.9, 0.8, 0.5])
    with pytest.raises(ValueError, match="different segmentations"):
        merge_sides(nearer, _matching([blue], [1.0], [0]))


def _zero_sure_of_component_0(anchor: str, n: int) -> np.ndarray:
    """A matcher's confidences: anchored on frame 0, sure (0.9) of component 0 only; on another, of the others only."""
    confidence = np.full(n, 0.2, np.float32)
    if anchor == "0000":
        confidence[0] = 0.9
    else:
        confidence[1:] = 0.9
    return confidence


@dataclass
class _AnchorColors:
    """A matcher that paints every component with its anchor's first color, its confidences ``sure(anchor name, n)``;
    it records every call (reference, target, anchor)."""

    sure: Callable[[str, int], np.ndarray] = _zero_sure_of_component_0
    calls: list = field(default_factory=list)
    uses_anchor = True

    def match(self, reference, target, anchor=None):
        anchor = anchor if anchor is not None else reference
        self.calls.append((reference.name, target.name, anchor.name))
        n = target.n
        return Matching(ref_index=np.zeros(n, np.int32), colors=np.repeat(anchor.colors[:1], n, axis=0),
                        confidence=self.sure(anchor.name, n), stage=np.zeros(n, np.uint8))


def _frames(count: int) -> list[np.ndarray]:
    """Line art of three closed boxes side by side (and the paper around them)."""
    line = np.zeros((60, 120, 4), np.uint8)
    for x in (5, 45, 85):
        cv2.rectangle(line, (x, 10), (x + 30, 50), (0, 0, 0, 255), 2)
    return [line.copy() for _ in range(count)]


def _painted(line: np.ndarray, rgba) -> np.ndarray:
    image = np.zeros_like(line)
    image[...] = rgba
    image[line[..., 3] > 0] = (0, 0, 0, 255)
    return image


def test_a_frame_between_two_colored_frames_takes_each_components_more_confident_side():
    lines = _frames(5)
    red, blue = (220, 30, 30, 255), (30, 30, 220, 255)
    matcher = _AnchorColors()
    steps = []
    results = colorize_frames(lines, {0: _painted(lines[0], red), 4: _painted(lines[4], blue)},
                              names=[f"{i:04d}" for i in range(5)], matcher=matcher,
                              progress=lambda done, total, name: steps.append((done, total)))
    # Progress counts every frame and each first-side match, one at a time: the two colored frames of 5 frames, then
    # 3 + 3 matches of the 8 steps.
    assert steps == [(1, 5), (2, 5)] + [(k, 8) for k in range(3, 9)]
    # The chain from 0 crosses the gap, each frame from the one before; then the chain from 4 crosses it back.
    assert matcher.calls == [
        ("0000", "0001", "0000"), ("0001", "0002", "0000"), ("0002", "0003", "0000"),
        ("0004", "0003", "0004"), ("0003", "0002", "0004"), ("0002", "0001", "0004"),
    ]
    for k in (1, 2, 3):
        colors = results[k].matching.colors
        assert tuple(colors[0]) == red and all(tuple(c) == blue for c in colors[1:]), k
        assert results[k].matching.confidence.tolist() == pytest.approx([0.9] * results[k].frame.n)
    # The nearer side names the reference: frames 1 and 2 (a tie) from 0's chain, frame 3 from 4's.
    assert [results[k].reference_name for k in (1, 2, 3)] == ["0000", "0001", "0004"]
    # Frame 3 is nearer 4: its component 0 came from the farther side (another chain's frame), the rest from its own.
    assert results[3].matching.ref_index[0] == -1 and (results[3].matching.ref_index[1:] == 0).all()


def test_a_frame_beyond_the_last_colored_frame_also_takes_the_chain_from_the_one_before():
    lines = _frames(4)
    red, blue = (220, 30, 30, 255), (30, 30, 220, 255)
    matcher = _AnchorColors()
    results = colorize_frames(lines, {0: _painted(lines[0], red), 2: _painted(lines[2], blue)},
                              names=[f"{i:04d}" for i in range(4)], matcher=matcher)
    # The chain from 0 crosses the gap, goes on through the colored frame 2 (matched, to carry it on) to frame 3;
    # then the chains from 2, back over the gap and out to frame 3.
    assert matcher.calls == [
        ("0000", "0001", "0000"), ("0001", "0002", "0000"), ("0002", "0003", "0000"),
        ("0002", "0001", "0002"), ("0002", "0003", "0002"),
    ]
    frame = results[3]
    assert frame.reference_name == "0002" and tuple(frame.matching.colors[0]) == red
    assert all(tuple(c) == blue for c in frame.matching.colors[1:])
    assert frame.matching.ref_index[0] == -1  # from the farther colored frame's chain
    assert results[2].is_reference and tuple(results[2].matching.colors[1]) == blue  # the painter's colors stay


def _sure_of(name: str):
    """A matcher's confidences: 0.9 for every component when the anchor is frame ``name``, else 0.2."""
    return lambda anchor, n: np.full(n, 0.9 if anchor == name else 0.2, np.float32)


def test_with_three_colored_frames_a_frame_takes_the_surest_one_even_the_farthest():
    # Frame 1 lies between colored frames 0 and 2; the chain from 5, the only sure one, crosses 2 to reach it. (Merged
    # from the two colored frames around it only, as before the 45th session, frame 1 took 0's red.)
    lines = _frames(6)
    red, green, blue = (220, 30, 30, 255), (30, 200, 30, 255), (30, 30, 220, 255)
    matcher = _AnchorColors(_sure_of("0005"))
    results = colorize_frames(lines, {0: _painted(lines[0], red), 2: _painted(lines[2], green),
                                      5: _painted(lines[5], blue)}, names=[f"{i:04d}" for i in range(6)], matcher=matcher)
    assert ("0002", "0001", "0005") in matcher.calls and ("0003", "0002", "0005") in matcher.calls
    for k in (1, 3, 4):
        assert all(tuple(c) == blue for c in results[k].matching.colors), k
        assert sorted(anchor for _, target, anchor in matcher.calls if target == f"{k:04d}") == ["0000", "0002", "0005"]
    assert results[1].reference_name == "0000"  # the nearest side names the reference (0 and 2 tie: the earlier)
    assert (results[1].matching.ref_index == -1).all()  # every color came from another chain's frame


def test_one_side_only_matches_each_frame_once_from_its_nearer_colored_frame():
    lines = _frames(5)
    matcher = _AnchorColors()
    red, blue = (220, 30, 30, 255), (30, 30, 220, 255)
    results = colorize_frames(lines, {0: _painted(lines[0], red), 4: _painted(lines[4], blue)},
                              names=[f"{i:04d}" for i in range(5)], matcher=matcher,
                              options=ColorizeOptions(both_keys=False))
    assert matcher.calls == [("0000", "0001", "0000"), ("0001", "0002", "0000"), ("0004", "0003", "0004")]
    assert [tuple(results[k].matching.colors[1]) for k in (1, 2, 3)] == [red, red, blue]


def test_colorize_and_batch_take_the_nearer_key_only_option():
    import argparse

    from paintmatch.commands.colorize import add_coloring_options, coloring_options

    parser = argparse.ArgumentParser()
    add_coloring_options(parser)
    assert coloring_options(parser.parse_args([])).both_keys is True
    assert coloring_options(parser.parse_args(["--nearer-key-only"])).both_keys is False


def test_keys_benchmark_scores_the_frames_between_the_two_colored_frames(tmp_path):
    from conftest import benchmark_module
    from paintmatch.cut import colorize_frames
    from paintmatch.evaluate.regions import read_colored, read_truth_regions, region_metrics
    from paintmatch.io import read_cut, read_image
    from paintmatch.match import get_matcher
    from paintmatch.synth import generate_cut

    cut = generate_cut(tmp_path / "cut", frames=4, seed=3, size=256)
    keys = benchmark_module("keys")
    rows = keys.measure_cut(cut, "best")
    assert set(rows) == set(keys.GROUPS) and all(set(r) == {label for label, _, _ in keys.ROWS} for r in rows.values())
    # The first-only row of the first-and-last table is the plain propagation from frame 0, scored on frames 1 and 2.
    files = read_cut(cut)
    lines = [read_image(p) for p in files.line]
    results = colorize_frames(lines, {0: read_colored(cut, files.names[0])}, names=files.names, matcher=get_matcher("best"))
    expected = np.mean([region_metrics(results[k].painted.image, read_truth_regions(cut, files.names[k], lines[k]))[0]["acc_thres"]
                        for k in (1, 2)])
    assert rows["first and last"]["the first drawing only"]["acc_thres"] == pytest.approx(expected)
    for group in rows.values():
        for row in group.values():
            assert 0 <= row["acc_thres"] <= 1 and row["leaked"] >= 0
