"""Gap closing: endpoint-driven ``auto`` closures, hand edits, and closures that never show in the output."""

import json

import cv2
import numpy as np
import pytest

from paintmatch.match import Frame
from paintmatch.paint import paint
from paintmatch.segment import draw_closures, endpoint_closures, line_mask, segment

INK = (0, 0, 0, 255)


def _paper_labels(mask, segments):
    """(H, W) int32: the 4-connected paper components of ``mask`` with the closing ``segments`` drawn as lines."""
    closed = mask | draw_closures(mask.shape, segments)
    return cv2.connectedComponents((~closed).astype(np.uint8), connectivity=4)[1]


def _head_with_gap(transparent=True, gap=3):
    """A 2 px circle outline (a head) with a ``gap`` px break, inside a framed 160x160 picture."""
    image = np.zeros((160, 160, 4), np.uint8)
    if not transparent:
        image[...] = 255
    cv2.rectangle(image, (4, 4), (155, 155), INK, 2)
    cv2.circle(image, (80, 80), 40, INK, 2)
    # Cut the break at the right of the circle: rows around y = 80, columns of the outline.
    image[80 - gap // 2 : 80 - gap // 2 + gap, 116:125] = 255 if not transparent else 0
    return image


def test_auto_closes_a_3px_gap_in_a_head_outline():
    image = _head_with_gap()
    open_seg = segment(image)
    assert open_seg.labels[80, 80] == open_seg.labels[80, 140]  # the head leaks into the background
    seg = segment(image, close_gaps_px="auto")
    head, outside = seg.labels[80, 80], seg.labels[80, 140]
    assert head >= 0 and outside >= 0 and head != outside
    assert seg.n == open_seg.n + 1
    assert abs(seg.areas[head] - np.pi * 39**2) < 0.06 * np.pi * 39**2  # the whole disc, nothing more
    ys, xs = np.nonzero(seg.closures)
    assert ys.size and ys.min() >= 74 and ys.max() <= 86 and xs.min() >= 112 and xs.max() <= 126
    assert seg.closure_segments.shape == (1, 4) and seg.closure_segments.dtype == np.int32


def test_auto_closes_a_gap_on_art_drawn_on_white():
    seg = segment(_head_with_gap(transparent=False), close_gaps_px="auto")
    assert seg.labels[80, 80] != seg.labels[80, 140]


@pytest.mark.parametrize(("thickness", "top", "bottom"), [(1, 58, 62), (2, 57, 63)])
def test_auto_leaves_a_narrow_neck_between_two_wide_regions_alone(thickness, top, bottom):
    # Two wide rooms joined by a corridor 3 px wide: one closed outline, no stroke ends, no cut.
    image = np.zeros((120, 200, 4), np.uint8)
    outline = np.array([[10, 10], [90, 10], [90, top], [110, top], [110, 10], [190, 10],
                        [190, 110], [110, 110], [110, bottom], [90, bottom], [90, 110], [10, 110]], np.int32)
    cv2.polylines(image, [outline], True, INK, thickness)
    free = np.flatnonzero(image[:, 100, 3] == 0)
    assert set(range(59, 62)) <= set(free.tolist()) and not {58, 62} & set(free.tolist())  # 3 px wide
    seg = segment(image, close_gaps_px="auto")
    assert seg.labels[60, 50] == seg.labels[60, 150] == seg.labels[60, 100]
    assert not seg.closures.any() and seg.closure_segments.shape == (0, 4)
    assert seg.n == segment(image).n == 2


def test_auto_leaves_closed_shapes_and_long_open_strokes_alone():
    image = np.zeros((100, 100, 4), np.uint8)
    cv2.rectangle(image, (10, 10), (90, 90), INK, 2)
    cv2.line(image, (30, 50), (70, 50), INK, 2)  # a free stroke in open paint, far from other lines
    assert endpoint_closures(line_mask(image)[0]).shape == (0, 4)


def test_auto_joins_two_stroke_ends_that_face_each_other():
    image = np.zeros((100, 100, 4), np.uint8)
    cv2.rectangle(image, (10, 10), (90, 90), INK, 2)
    cv2.line(image, (10, 50), (47, 50), INK, 2)
    cv2.line(image, (51, 50), (90, 50), INK, 2)  # a 3 px gap between two ends of a divider
    seg = segment(image, close_gaps_px="auto")
    assert seg.labels[30, 50] != seg.labels[70, 50]


@pytest.mark.parametrize("width, stub", [(3, 4), (5, 7)])
def test_auto_closes_a_gap_between_two_junctions(width, stub):
    """A 3 px gap in a box's side, ``stub`` px from two bars that meet that side: only stubs on either side."""
    mask = np.zeros((100, 100), bool)
    mask[5 : 5 + width, 5:95] = mask[95 - width : 95, 5:95] = mask[5:95, 5 : 5 + width] = True
    mask[5:95, 95 - width : 95] = True
    top = 30
    bottom = top + width + stub + 3 + stub
    mask[top : top + width, 5:95] = mask[bottom : bottom + width, 5:95] = True
    mask[top + width + stub : top + width + stub + 3, 5 : 5 + width] = False  # the gap
    segments = endpoint_closures(mask)
    labels = _paper_labels(mask, segments)
    assert labels[1, 1] != labels[top + width + 2, 50]  # the strip between the bars no longer leaks outside
    assert segments.shape[0] == 1  # one closure, at the gap
    x0, y0, x1, y1 = segments[0]
    assert max(x0, x1) <= 5 + width and top + width <= min(y0, y1) and max(y0, y1) <= bottom


@pytest.mark.parametrize("short_of_edge, closes", [(2, True), (15, False)])
def test_auto_joins_a_stroke_that_stops_short_of_the_frame_edge(short_of_edge, closes):
    """A leg's two outlines run down to ``short_of_edge`` px above the frame's bottom edge (a fill stops at the edge)."""
    mask = np.zeros((80, 60), bool)
    mask[10:13, 20:43] = True  # the top of the leg
    mask[10 : 80 - short_of_edge, 20:23] = mask[10 : 80 - short_of_edge, 40:43] = True
    segments = endpoint_closures(mask)
    labels = _paper_labels(mask, segments)
    assert (labels[40, 30] != labels[40, 5]) == closes  # the leg apart from the background beside it
    if closes:
        assert segments.shape[0] == 2 and (segments[:, [1, 3]].max(axis=1) == 79).all()  # both reach the last row


def test_off_keeps_todays_segmentation_exactly(laughing_girl):
    line = laughing_girl[0][0]
    plain = segment(line)
    for off in (0, "off"):
        seg = segment(line, close_gaps_px=off)
        for name in ("labels", "line_class", "areas", "bboxes", "adjacency", "trace_sides"):
            np.testing.assert_array_equal(getattr(seg, name), getattr(plain, name))
        assert not seg.closures.any() and seg.closure_segments.shape == (0, 4)


def test_auto_on_real_line_art_adds_few_components(laughing_girl):
    for line in laughing_girl[0]:
        plain, auto = segment(line), segment(line, close_gaps_px="auto")
        assert plain.n <= auto.n <= plain.n + 15
        assert auto.closures.sum() < 200
        # Closures are new walls: they never cover ink.
        assert not (auto.closures & line_mask(line)[0]).any()


@pytest.mark.parametrize("transparent", [True, False])
def test_closures_do_not_show_in_the_painted_output(transparent):
    image = _head_with_gap(transparent=transparent)
    seg = segment(image, close_gaps_px="auto")
    colors = np.zeros((seg.n, 4), np.uint8)
    colors[:] = (40, 120, 220, 255)  # everything else blue
    colors[seg.labels[80, 80]] = (250, 200, 160, 255)  # the head skin
    result = paint(Frame(line=image, seg=seg), colors).image
    closure = seg.closures
    assert closure.any()
    # Every closure pixel carries the flat color of a region it closes: no line, no blend.
    painted = {tuple(c) for c in result[closure]}
    assert painted <= {(40, 120, 220, 255), (250, 200, 160, 255)}
    ink = line_mask(image)[0]
    assert (result[ink][:, :3] == 0).all()  # the drawn lines stay as drawn


def test_hand_drawn_closure_closes_a_gap_and_snaps_to_the_lines():
    image = _head_with_gap()
    # Drawn a little off the outline on both sides: the ends snap to the nearest line pixels.
    seg = segment(image, extra_closures=[(123, 75, 123, 85)])
    assert seg.labels[80, 80] != seg.labels[80, 140]
    assert seg.closure_segments.shape == (1, 4)


def test_removed_automatic_closure_reopens_the_gap_and_edits_are_plain_json():
    image = _head_with_gap()
    auto = segment(image, close_gaps_px="auto")
    edits = json.loads(json.dumps({"removed": auto.closure_segments.tolist()}))
    reopened = segment(image, close_gaps_px="auto", removed_closures=edits["removed"])
    assert reopened.labels[80, 80] == reopened.labels[80, 140]
    assert not reopened.closures.any()
    again = segment(image, close_gaps_px="auto", removed_closures=edits["removed"], extra_closures=edits["removed"])
    np.testing.assert_array_equal(again.labels, auto.labels)  # deterministic: same edits, same result


def test_removed_closure_drops_a_trapped_ball_blob():
    image = _head_with_gap()
    ball = segment(image, close_gaps_px=3)
    assert ball.labels[80, 80] != ball.labels[80, 140]
    reopened = segment(image, close_gaps_px=3, removed_closures=[(114, 80, 126, 80)])
    assert reopened.labels[80, 80] == reopened.labels[80, 140]


def test_draw_closures_is_an_8_connected_wall():
    wall = draw_closures((20, 20), [(0, 0, 19, 19)])
    assert wall.sum() == 20
    count, _ = cv2.connectedComponents((~wall).view(np.uint8), connectivity=4)
    assert count - 1 == 2


@pytest.mark.parametrize("bad", ["atuo", -1, 1.5, True])
def test_bad_gap_mode_names_the_value(bad):
    with pytest.raises(ValueError, match="close_gaps_px") as info:
        segment(_head_with_gap(), close_gaps_px=bad)
    if bad == "atuo":
        assert "did you mean 'auto'" in str(info.value)


def test_bad_closure_list_is_a_clear_error():
    with pytest.raises(ValueError, match="extra_closures"):
        segment(_head_with_gap(), extra_closures=[(1, 2, 3)])


def test_sidecar_records_the_closures_as_plain_lists():
    from paintmatch.match import Matching
    from paintmatch.paint import sidecar

    image = _head_with_gap()
    seg = segment(image, close_gaps_px="auto")
    n = seg.n
    matching = Matching(
        ref_index=np.zeros(n, np.int64), colors=np.zeros((n, 4), np.uint8),
        confidence=np.ones(n), stage=np.zeros(n, np.int64),
    )
    record = json.loads(json.dumps(sidecar(Frame(line=image, seg=seg), matching)))
    assert record["closures"] == seg.closure_segments.tolist() and len(record["closures"]) == 1


def test_auto_closing_on_an_all_ink_frame_finds_nothing_and_warns_nothing():
    # A fade to black: the lines' box holds no paper, so the line width must not come from an empty distance map.
    import warnings

    ink = np.zeros((40, 40, 4), np.uint8)
    ink[..., 3] = 255
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert endpoint_closures(ink[..., 3] > 0).shape == (0, 4)


def _thick_wall_with_cut(gap):
    """A room with a 2 px outline whose right wall runs through a 12 px blob of ink (where strokes meet), the blob
    cut across by a ``gap`` px break: the paper inside joins the paper outside through the cut."""
    image = np.zeros((200, 200, 4), np.uint8)
    cv2.rectangle(image, (40, 40), (160, 160), INK, 2)
    image[90:110, 154:166] = INK
    image[100 : 100 + gap, 154:166] = 0
    return image


@pytest.mark.parametrize("gap", [1, 2, 4])
def test_auto_closes_a_cut_across_a_thick_junction(gap):
    from paintmatch.segment import narrow_cut_closures

    image = _thick_wall_with_cut(gap)
    open_labels = segment(image).labels
    assert open_labels[100, 100] == open_labels[100, 190]  # the room leaks out through the cut
    segments = narrow_cut_closures(line_mask(image)[0], max_length=20, min_ink=4)
    assert segments.shape == (1, 4) and 154 <= segments[0, 0] < 166 and segments[0, 1] >= 100 - 1
    seg = segment(image, close_gaps_px="auto")
    room, outside = seg.labels[100, 100], seg.labels[100, 190]
    assert room >= 0 and outside >= 0 and room != outside
    assert abs(seg.areas[room] - 117**2) < 0.03 * 117**2  # the room, nothing more


def test_a_cut_into_a_pocket_stays_open_and_a_cut_through_it_closes():
    """A 2 px opening into a small pocket of paper (under ``NARROW_CUT_SIDE_AREA``) inside a thick line stays open;
    a second one from the pocket to the other side makes a cut, closed across the pocket."""
    from paintmatch.segment import narrow_cut_closures

    mask = np.zeros((60, 60), bool)
    mask[:, 20:40] = True
    mask[28:33, 26:31] = False  # a 5x5 pocket in the thick line
    mask[30:32, 20:26] = False  # joined to the open area on the left by a 2 px cut
    assert narrow_cut_closures(mask, max_length=20, min_ink=4).shape == (0, 4)
    mask[30:32, 31:40] = False  # now also to the open area on the right: a cut between two regions
    segments = narrow_cut_closures(mask, max_length=20, min_ink=4)
    labels = _paper_labels(mask, segments)
    assert segments.shape[0] >= 1 and labels[30, 5] != labels[30, 55]


def test_auto_closes_a_thick_stroke_that_stops_one_pixel_short_of_the_frame_edge():
    """A leg's 4 px outlines run down to one row above the frame's bottom edge: the leg joins the background along the
    last row unless the strip between the strokes' ends and the edge is closed."""
    mask = np.zeros((120, 100), bool)
    mask[20:24, 10:90] = True
    mask[20:119, 30:34] = mask[20:119, 60:64] = True  # the leg, stopping at row 118 of 0-119
    mask[20:120, 10:14] = mask[20:120, 86:90] = True  # the body's sides, down to the edge
    segments = endpoint_closures(mask)
    labels = _paper_labels(mask, segments)
    assert labels[60, 45] != labels[60, 20] and labels[60, 45] != labels[60, 75]


def test_auto_closes_a_stroke_one_row_short_of_the_edge_beside_a_wedge_of_ink():
    """A leg's outline stops one row above the bottom edge beside a wedge of ink that reaches the edge (production-like
    cut 59 of seed 60000, drawing 1): the paper under the stroke's end and the wedge's tip form one bent narrow piece, so
    no straight cut closes it from the paper's side; the stroke's end, one row from the edge, is a free end."""
    mask = np.zeros((60, 60), bool)
    mask[0:59, 36:40] = True  # the outline, stopping at row 58 of 0-59
    for row in range(45, 60):
        mask[row, : int(10 + (row - 45) * 1.5) + 1] = True  # the wedge, down to the edge
    labels = _paper_labels(mask, endpoint_closures(mask))
    assert labels[30, 20] != labels[30, 50]  # the leg apart from the background on the outline's other side


def _thickest(mask):
    padded = cv2.copyMakeBorder(mask.view(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    return float(cv2.distanceTransform(padded, cv2.DIST_L2, cv2.DIST_MASK_3).max())


def _tiled(mask, *, thick_across=True):
    """``mask``, checked to be cut into tiles by ``_thin_lines`` (and to have ink 5 px thick across a tile's edge)."""
    from paintmatch.segment import THINNING_TILE, _thinning_margin

    tile = max(THINNING_TILE, 4 * _thinning_margin(_thickest(mask)))
    assert max(mask.shape) > tile
    if not thick_across:
        return mask
    wide = cv2.erode(mask.view(np.uint8), np.ones((5, 5), np.uint8)).view(bool)  # ink 5 px thick or more
    edges = [wide[edge - 1 : edge + 1].all(axis=0).any() for edge in range(tile, mask.shape[0], tile)]
    edges += [wide[:, edge - 1 : edge + 1].all(axis=1).any() for edge in range(tile, mask.shape[1], tile)]
    assert any(edges)
    return mask


def _thick_fills_across_tile_edges(seed=0):
    """(1200, 1000) bool: discs up to 60 px wide and strokes 1-11 px all over, some across the tiles' edges, and
    noise."""
    rng = np.random.default_rng(seed)
    mask = np.zeros((1200, 1000), np.uint8)
    for _ in range(40):
        cv2.circle(mask, (int(rng.integers(0, 1000)), int(rng.integers(0, 1200))), int(rng.integers(5, 30)), 1, -1)
    for _ in range(40):
        x0, x1, y0, y1 = rng.integers(0, 1000, 2).tolist() + rng.integers(0, 1200, 2).tolist()
        cv2.line(mask, (x0, y0), (x1, y1), 1, int(rng.integers(1, 12)))
    return _tiled(mask.astype(bool) | (rng.random(mask.shape) < 0.05))


@pytest.mark.parametrize("one_thread", [True, False])
def test_thinning_tile_by_tile_gives_the_whole_masks_skeleton(one_thread, laughing_girl):
    from skimage.morphology import skeletonize

    from paintmatch.segment import _thin_lines

    lines, _ = laughing_girl
    real = _tiled(line_mask(cv2.resize(lines[0], (1600, 1600), interpolation=cv2.INTER_LINEAR))[0], thick_across=False)
    previous = cv2.getNumThreads()
    if one_thread:
        cv2.setNumThreads(1)  # every tile in the caller's thread, as in batch workers
    try:
        for mask in (real, _thick_fills_across_tile_edges(0), _thick_fills_across_tile_edges(1)):
            assert np.array_equal(_thin_lines(mask, thickest=_thickest(mask)), skeletonize(mask))
    finally:
        cv2.setNumThreads(previous)


def test_the_margin_is_what_keeps_the_tiles_exact(monkeypatch):
    from skimage.morphology import skeletonize

    import paintmatch.segment as segment

    mask = np.zeros((1300, 400), bool)
    mask[964:1084, 100:300] = True  # a 120 px fill across the edge at row 1024 (tiles of 1024 px), peeled over 60 layers
    _tiled(mask)
    assert np.array_equal(segment._thin_lines(mask, thickest=_thickest(mask)), skeletonize(mask))
    monkeypatch.setattr(segment, "THINNING_TILE", 1024)
    monkeypatch.setattr(segment, "_thinning_margin", lambda thickest: 3)  # the same tiles, a 3 px margin
    assert not np.array_equal(segment._thin_lines(mask, thickest=_thickest(mask)), skeletonize(mask))


#: The bottom corner of cut_030 drawing 4 of the color choice's seed-60000 production-like cuts: two strokes meet in
#: a thick stem that stops 4 rows above a stroke cut by the frame's bottom edge, 2 rows of which are in the frame.
STEM_ABOVE_THE_EDGE = (
    "..........########..........#######",
    "..........########..........#######",
    "...........########........########",
    "...........########........######..",
    "............#######.......#######..",
    "............########......######...",
    "............########.....######....",
    ".............########...#######....",
    ".............########...######.....",
    "..............########.######......",
    "..............########.######......",
    "..............########.######......",
    "...............#############.......",
    "...............#############.......",
    "................############.......",
    "................###########........",
    "................###########........",
    ".................##########........",
    ".................##########........",
    "..................#########........",
    "..................#########........",
    "..................#########........",
    "...................########........",
    "...................#...............",
    "...................................",
    "...................................",
    "...................................",
    ".....................######........",
    ".....................#######.......",
)


def test_auto_closes_a_stem_that_stops_short_of_a_stroke_the_frames_edge_cuts():
    # The stem's end is no free end (the strokes fork right above it) and the stroke below has 2 rows of ink in the
    # frame, less than a cut across needs beyond it: only the frame's edge, padded as ink, closes the passage.
    mask = np.array([[c == "#" for c in row] for row in STEM_ABOVE_THE_EDGE])
    open_labels = _paper_labels(mask, np.zeros((0, 4), np.int32))
    assert open_labels[25, 2] == open_labels[25, 30]  # left and right are one area through the passage
    labels = _paper_labels(mask, endpoint_closures(mask))
    assert labels[25, 2] != labels[25, 30]


def test_areas_at_least_agree_with_counting_every_pixel():
    from paintmatch.segment import _areas_at_least

    labels = np.zeros((120, 200), np.int32)
    labels[10:60, 10:90] = 1  # a wide area, seen at its corner
    labels[70:75, 20:28] = 2  # a speck of 40 px
    labels[100, 0:200] = 3  # a 1 px line of 200 px, seen at its end: 17 px in the window, the rest beyond its rim
    labels[115:120, 190:200] = 4  # 50 px in the frame's corner: its window is cut by the frame's edges
    labels[90:92, 100:120] = 5  # 40 px, reaching the rim of a window seen from its end, no more beyond it
    ids = np.array([1, 2, 3, 4, 5])
    seed_y, seed_x = np.array([10, 70, 100, 119, 90]), np.array([10, 20, 0, 199, 100])
    exact = np.bincount(labels.ravel())[ids] >= 50
    assert _areas_at_least(labels, ids, seed_y, seed_x, 50).tolist() == exact.tolist() == [True, False, True, True, False]


def test_own_ink_is_the_ink_connected_to_each_tip_inside_its_window():
    from paintmatch.segment import _own_ink

    rng = np.random.default_rng(3)
    mask = rng.random((60, 80)) < 0.45
    tips = np.array([[0, 0], [59, 79], [30, 40], [5, 70], [55, 3], [30, 1]])
    radius = 6
    own = _own_ink(mask, tips, radius=radius)
    padded = np.pad(mask, radius).view(np.uint8)
    for i, (y, x) in enumerate(tips):  # each window labelled on its own, paper beyond the frame
        _, labels = cv2.connectedComponents(np.ascontiguousarray(padded[y : y + 2 * radius + 1, x : x + 2 * radius + 1]),
                                            connectivity=8)
        assert np.array_equal(own[i], labels == labels[radius, radius])
    assert _own_ink(mask, np.zeros((0, 2), np.int64), radius=radius).shape == (0, 13, 13)


def test_stroke_ends_of_two_prunings_at_once_are_those_of_each_alone(laughing_girl):
    from skimage.morphology import skeletonize

    from paintmatch.segment import _stroke_ends

    lines, _ = laughing_girl
    skeleton = skeletonize(line_mask(lines[0])[0])
    both = _stroke_ends(skeleton, depth=6, min_length=1, prunes=(3, 1))
    alone = [_stroke_ends(skeleton, depth=6, min_length=1, prunes=(prune,))[0] for prune in (3, 1)]
    assert len(both[0][0]) > 10 and len(both[1][0]) > len(both[0][0])  # peeled less, more ends: the spurs
    for (ends, directions), (ends_alone, directions_alone) in zip(both, alone):
        assert np.array_equal(ends, ends_alone) and np.array_equal(directions, directions_alone)


def test_a_speckled_frame_closes_its_gaps_in_bounded_memory():
    """Tens of thousands of stroke ends and closures (a frame of 20% noise) are matched by a k-d tree, not a table of
    every end against every closure (2.5 GB for this 700 x 600 frame before)."""
    import tracemalloc

    mask = np.random.default_rng(1).random((700, 600)) < 0.2
    tracemalloc.start()
    try:
        segments = endpoint_closures(mask)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert segments.shape[0] > 1000  # specks closed to specks: garbage in, but no crash
    assert peak < 400 * 2**20
