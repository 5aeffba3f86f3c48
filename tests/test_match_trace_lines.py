"""The trace-line consistency step of `best` alone: the seams across trace lines and the colors made to agree."""

import cv2
import numpy as np

from paintmatch.match import Frame, get_matcher
from paintmatch.match._refine import TraceLineConsistency, area_scale, trace_color_pairs
from paintmatch.segment import LineClass, segment

SKIN, SKIN_SHADOW = (240, 200, 180, 255), (200, 150, 140, 255)
CLOTH, CLOTH_SHADOW = (90, 90, 200, 255), (50, 50, 140, 255)
CLEAR = (0, 0, 0, 0)



def in_frame_pixels(frame: Frame, *, min_length: float, max_area: float, junction_radius: int = 0) -> TraceLineConsistency:
    """The step with its sizes given in ``frame``'s own pixels (it takes them in pixels of a ``REFERENCE_SIDE`` frame
    and scales them to the frame: these test frames are a few dozen pixels wide)."""
    scale = area_scale(frame.seg.shape)
    return TraceLineConsistency(min_length=min_length / scale**0.5, margin=0.1, max_area=max_area / scale,
                                junction_radius=junction_radius / scale**0.5)

def _two_shaded_boxes() -> tuple[Frame, dict[str, int]]:
    """Two boxes on transparency, each split by a blue trace line (a shadow's edge) into a lit and a shadowed half."""
    image = np.zeros((60, 140, 4), np.uint8)
    for left in (10, 75):
        cv2.rectangle(image, (left, 10), (left + 50, 50), (0, 0, 0, 255), 2)
        cv2.line(image, (left + 25, 12), (left + 25, 48), (0, 0, 255, 255), 2)  # ends on the outlines
    seg = segment(image)
    ids = {"outside": seg.labels[2, 2], "skin": seg.labels[30, 20], "skin_shadow": seg.labels[30, 50],
           "cloth": seg.labels[30, 85], "cloth_shadow": seg.labels[30, 115]}
    return Frame(line=image, seg=seg, name="boxes"), {k: int(v) for k, v in ids.items()}


def _painted() -> tuple[Frame, dict[str, int]]:
    frame, ids = _two_shaded_boxes()
    colors = np.zeros((frame.n, 4), np.uint8)
    for name, color in (("outside", CLEAR), ("skin", SKIN), ("skin_shadow", SKIN_SHADOW), ("cloth", CLOTH),
                        ("cloth_shadow", CLOTH_SHADOW)):
        colors[ids[name]] = color
    frame.colors = colors
    return frame, ids


def _vectors(frame: Frame, ids: dict[str, int], rows: dict[str, list[float]]) -> np.ndarray:
    """(n, 4) unit part-field vectors: the four paints on the unit axes unless ``rows`` says otherwise."""
    unit = {"skin": [1, 0, 0, 0], "skin_shadow": [0, 1, 0, 0], "cloth": [0, 0, 1, 0], "cloth_shadow": [0, 0, 0, 1],
            "outside": [0.5, 0.5, 0.5, 0.5]}
    vectors = np.zeros((frame.n, 4), np.float32)
    for name, i in ids.items():
        vectors[i] = rows.get(name, unit[name])
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_trace_pairs_are_the_seams_inside_trace_lines_only():
    frame, ids = _two_shaded_boxes()
    pairs = {(int(a), int(b), int(c)): int(n) for a, b, c, n in frame.seg.trace_pairs()}
    skin = tuple(sorted((ids["skin"], ids["skin_shadow"])))
    cloth = tuple(sorted((ids["cloth"], ids["cloth_shadow"])))
    assert set(pairs) == {(*skin, LineClass.BLUE), (*cloth, LineClass.BLUE)}  # not across the black outlines
    assert all(36 <= n <= 42 for n in pairs.values())  # the seam runs the blue line between the outlines


def _trace_line_across_an_outline() -> tuple[Frame, dict[str, int]]:
    """A box on transparency split by a blue line that crosses its outlines and overshoots them by 5 px (as real
    trace lines often do): where the blue crosses the black, the outside seems to meet the two halves inside."""
    image = np.zeros((60, 80, 4), np.uint8)
    cv2.rectangle(image, (10, 10), (60, 50), (0, 0, 0, 255), 2)
    cv2.line(image, (35, 4), (35, 56), (0, 0, 255, 255), 2)
    seg = segment(image)
    ids = {"outside": seg.labels[2, 2], "left": seg.labels[30, 20], "right": seg.labels[30, 50]}
    return Frame(line=image, seg=seg, name="crossed box"), {k: int(v) for k, v in ids.items()}


def test_seams_where_a_trace_line_crosses_an_outline_are_left_out_within_the_junction_radius():
    frame, ids = _trace_line_across_an_outline()
    inside = tuple(sorted((ids["left"], ids["right"])))
    everywhere = {(int(a), int(b)): int(n) for a, b, _, n in frame.seg.trace_pairs()}
    assert set(everywhere) == {inside, (ids["outside"], ids["left"]), (ids["outside"], ids["right"])}
    filtered = {(int(a), int(b)): int(n) for a, b, _, n in frame.seg.trace_pairs(junction_radius=2)}
    assert set(filtered) == {inside}
    assert filtered[inside] >= 30  # the seam inside the box stays, less its ends at the outlines


def test_a_short_seam_counts_once_the_junctions_are_left_out():
    """A small shadow (a seam of about 8 px, under the 20 px that junctions forced before) taken for its lit side is
    found with the junction radius, and not with seams from 20 px."""
    image = np.zeros((40, 60, 4), np.uint8)
    cv2.rectangle(image, (10, 10), (40, 22), (0, 0, 0, 255), 2)
    cv2.line(image, (25, 12), (25, 20), (0, 0, 255, 255), 2)
    seg = segment(image)
    ids = {"outside": int(seg.labels[2, 2]), "skin": int(seg.labels[16, 16]), "skin_shadow": int(seg.labels[16, 33])}
    painted = Frame(line=image, seg=seg, name="small box")
    painted.colors = np.zeros((seg.n, 4), np.uint8)
    painted.colors[ids["skin"]], painted.colors[ids["skin_shadow"]] = SKIN, SKIN_SHADOW
    target = Frame(line=image, seg=seg)
    colors = painted.colors.copy()
    colors[ids["skin_shadow"]] = SKIN
    unit = {"skin": [1, 0, 0, 0], "skin_shadow": [0.72, 0.67, 0, 0], "outside": [0, 0, 0, 1]}
    vectors = np.zeros((seg.n, 4), np.float32)
    for name, i in ids.items():
        vectors[i] = unit[name]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    painted_vectors = vectors.copy()
    painted_vectors[ids["skin_shadow"]] = [0, 1, 0, 0]
    assert 5 <= seg.trace_pairs(junction_radius=2)[:, 3].max() < 20
    short = in_frame_pixels(target, min_length=5, max_area=10_000, junction_radius=2)
    changed, new = short.recolored(painted, target, colors, vectors, painted_vectors)
    assert np.flatnonzero(changed).tolist() == [ids["skin_shadow"]]
    np.testing.assert_array_equal(new, [SKIN_SHADOW])
    long_only = in_frame_pixels(target, min_length=20, max_area=10_000)
    assert not long_only.recolored(painted, target, colors, vectors, painted_vectors)[0].any()


def test_the_painters_frame_tells_which_colors_meet_across_a_trace_line():
    painted, _ = _painted()
    pack = lambda c: (c[0] << 24) | (c[1] << 16) | (c[2] << 8) | c[3]  # noqa: E731 (pack_rgba's order)
    pairs = trace_color_pairs(painted, 12)
    assert pairs == {(*sorted((pack(SKIN), pack(SKIN_SHADOW))), LineClass.BLUE),
                     (*sorted((pack(CLOTH), pack(CLOTH_SHADOW))), LineClass.BLUE)}


def test_a_shadow_taken_for_its_lit_side_gets_the_shadow_back():
    painted, ids = _painted()
    target = Frame(line=painted.line, seg=painted.seg)
    colors = painted.colors.copy()
    colors[ids["skin_shadow"]] = SKIN  # a shade swap: skin on both sides of the blue line
    # The part field hardly tells the two halves apart (it prefers skin by 0.05 only).
    vectors = _vectors(target, ids, {"skin_shadow": [0.72, 0.67, 0, 0]})
    step = in_frame_pixels(target, min_length=12, max_area=10_000)
    changed, new = step.recolored(painted, target, colors, vectors, _vectors(painted, ids, {}))
    assert np.flatnonzero(changed).tolist() == [ids["skin_shadow"]]
    np.testing.assert_array_equal(new, [SKIN_SHADOW])


def test_the_part_field_picks_which_side_is_wrong_and_can_refuse():
    painted, ids = _painted()
    target = Frame(line=painted.line, seg=painted.seg)
    colors = painted.colors.copy()
    colors[ids["cloth"]] = CLOTH_SHADOW  # shadow on both sides; the lit half is the one the part field doubts
    vectors = _vectors(target, ids, {"cloth_shadow": [0, 0, 0, 1], "cloth": [0, 0, 0.7, 0.71]})
    step = in_frame_pixels(target, min_length=12, max_area=10_000)
    changed, new = step.recolored(painted, target, colors, vectors, _vectors(painted, ids, {}))
    assert np.flatnonzero(changed).tolist() == [ids["cloth"]]
    np.testing.assert_array_equal(new, [CLOTH])
    # Where the part field is far surer of the wrong color than of any that would agree, nothing changes.
    sure = _vectors(target, ids, {"cloth_shadow": [0, 0, 0, 1], "cloth": [0, 0, 0.2, 0.98]})
    assert not step.recolored(painted, target, colors, sure, _vectors(painted, ids, {}))[0].any()
    # Large components and short seams are left alone.
    small = in_frame_pixels(target, min_length=12, max_area=int(target.seg.areas[ids["cloth"]]) - 1)
    assert not small.recolored(painted, target, colors, vectors, _vectors(painted, ids, {}))[0].any()
    long_only = in_frame_pixels(target, min_length=60, max_area=10_000)
    assert not long_only.recolored(painted, target, colors, vectors, _vectors(painted, ids, {}))[0].any()


def test_a_transparent_component_across_a_trace_line_is_painted_at_any_size():
    """A trace line is drawn inside paint: a component with a seam in one that took the background is a leak."""
    painted, ids = _painted()
    target = Frame(line=painted.line, seg=painted.seg)
    colors = painted.colors.copy()
    colors[ids["cloth_shadow"]] = CLEAR  # took a hole of the reference: transparent beside the lit cloth
    step = in_frame_pixels(target, min_length=12, max_area=int(target.seg.areas[ids["cloth_shadow"]]) - 1)
    changed, new = step.recolored(painted, target, colors, _vectors(target, ids, {}), _vectors(painted, ids, {}))
    assert np.flatnonzero(changed).tolist() == [ids["cloth_shadow"]]  # over max_area, and still painted
    np.testing.assert_array_equal(new, [CLOTH_SHADOW])
    colors[ids["cloth_shadow"]] = SKIN  # a painted component of that size stays as it is
    assert not step.recolored(painted, target, colors, _vectors(target, ids, {}), _vectors(painted, ids, {}))[0].any()


def test_a_pair_the_painter_shows_is_kept_even_with_one_color_on_both_sides():
    painted, ids = _painted()
    painted.colors[ids["cloth_shadow"]] = CLOTH  # this painter draws a blue line inside one paint
    target = Frame(line=painted.line, seg=painted.seg)
    colors = painted.colors.copy()
    vectors = _vectors(target, ids, {"cloth": [0, 0, 0.72, 0.69], "cloth_shadow": [0, 0, 0.69, 0.72]})
    step = in_frame_pixels(target, min_length=12, max_area=10_000)
    assert not step.recolored(painted, target, colors, vectors, _vectors(painted, ids, {}))[0].any()


def test_best_runs_the_step_after_the_veto_and_can_switch_it_off():
    assert get_matcher("best").steps[-3:] == ("trace-line-consistency", "color-choice", "calibrated-confidence")
    assert "trace-line-consistency" not in get_matcher("best", trace_lines=False).steps
    assert "trace-line-consistency" not in get_matcher("best", w_part=0.0).steps  # it weighs by the part field
