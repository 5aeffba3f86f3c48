"""The painter's palette, palette colors per component, and the reference split along its paint."""

import cv2
import numpy as np
import pytest
from PIL import Image

from paintmatch.cut import MISFIT_SHARE
from paintmatch.errors import InputError
from paintmatch.io import read_image
from paintmatch.match import Frame
from paintmatch.paint import paint
from paintmatch.rgba import pack_rgba
from paintmatch.segment import (
    LineClass, paint_off_lines, reference_colors, reference_palette, segment, split_by_paint,
)

SKIN = (250, 210, 180, 255)
HAIR = (90, 50, 40, 255)
EYE = (40, 140, 230, 255)
SHIRT = (200, 40, 60, 255)
SHADOW = (150, 20, 40, 255)
BACK = (235, 240, 250, 255)
PAINT = [SKIN, HAIR, EYE, SHIRT, BACK]


def _antialiased_reference(scale=4):
    """(line art, painted frame) at 120x120, drawn at ``scale`` times the size and shrunk with INTER_AREA.

    A head (skin) under a hair cap, two 5x5 px eyes, a shirt: paint and ink blend along every line,
    as paint software exports them.
    """
    size = 120 * scale
    s = scale
    ink = np.zeros((size, size), np.uint8)
    paint_big = np.zeros((size, size, 4), np.uint8)
    paint_big[...] = BACK
    cv2.rectangle(paint_big, (20 * s, 90 * s), (100 * s, 120 * s), SHIRT, -1)
    cv2.circle(paint_big, (60 * s, 55 * s), 32 * s, SKIN, -1)
    cv2.ellipse(paint_big, (60 * s, 55 * s), (32 * s, 32 * s), 0, 180, 360, HAIR, -1)
    for x in (48, 72):
        cv2.circle(paint_big, (x * s, 62 * s), 4 * s, EYE, -1)  # a 5x5 px eye inside its outline
    width = int(1.5 * s)
    cv2.rectangle(ink, (20 * s, 90 * s), (100 * s, 130 * s), 255, width)
    cv2.circle(ink, (60 * s, 55 * s), 32 * s, 255, width)
    cv2.line(ink, (28 * s, 55 * s), (92 * s, 55 * s), 255, width)
    for x in (48, 72):
        cv2.circle(ink, (x * s, 62 * s), 4 * s, 255, width)
    line_big = np.zeros((size, size, 4), np.uint8)
    line_big[..., 3] = ink
    colored_big = paint_big.copy()
    a = ink[..., None].astype(np.float32) / 255.0
    colored_big[..., :3] = np.round(paint_big[..., :3] * (1 - a)).astype(np.uint8)  # black ink over paint
    shrink = (120, 120)
    line = cv2.resize(line_big, shrink, interpolation=cv2.INTER_AREA)
    colored = cv2.resize(colored_big, shrink, interpolation=cv2.INTER_AREA)
    return line, colored


def test_palette_of_an_antialiased_reference_is_its_paint_largest_first():
    line, colored = _antialiased_reference()
    seg = segment(line)
    assert np.unique(pack_rgba(colored)).size > 50  # many blends in the picture
    palette = reference_palette(colored, seg)
    assert {tuple(c) for c in palette} == {tuple(c) for c in PAINT}
    areas = [np.count_nonzero((colored == c).all(axis=2)) for c in palette]
    assert areas[0] == max(areas) and tuple(palette[0]) == BACK
    assert reference_palette(colored, seg.line).tolist() == palette.tolist()


def test_every_component_takes_a_palette_color_and_small_eyes_their_own():
    line, colored = _antialiased_reference()
    seg = segment(line)
    palette = {tuple(c) for c in reference_palette(colored, seg)}
    colors = reference_colors(colored, seg)
    assert all(tuple(c) in palette for c in colors)
    for x in (48, 72):
        eye = seg.labels[62, x]
        assert eye >= 0 and seg.areas[eye] <= 40
        assert tuple(colors[eye]) == EYE
    assert tuple(colors[seg.labels[75, 60]]) == SKIN
    assert tuple(colors[seg.labels[40, 60]]) == HAIR
    assert tuple(colors[seg.labels[105, 60]]) == SHIRT
    assert tuple(colors[seg.labels[5, 5]]) == BACK
    # Painted with these colors, no output pixel off the lines is outside the palette.
    result = paint(Frame(line=line, seg=seg), colors).image
    off_line = ~seg.line
    allowed = set(pack_rgba(np.array(list(palette), np.uint8)).tolist())
    assert set(np.unique(pack_rgba(result[off_line])).tolist()) <= allowed


def test_a_tiny_all_blend_region_reads_its_paint_side():
    # A 3x3 px region: every pixel is a blend of ink and its paint, none is flat.
    line = np.zeros((40, 40, 4), np.uint8)
    cv2.rectangle(line, (5, 5), (35, 35), (0, 0, 0, 255), 1)
    cv2.rectangle(line, (18, 18), (22, 22), (0, 0, 0, 255), 1)
    seg = segment(line)
    tiny = seg.labels[20, 20]
    assert seg.areas[tiny] == 9
    colored = np.zeros((40, 40, 4), np.uint8)
    colored[...] = BACK
    colored[6:35, 6:35] = SKIN
    colored[seg.line] = (0, 0, 0, 255)
    colored[19:22, 19:22] = (np.array(EYE[:3]) * 0.6).astype(np.uint8).tolist() + [255]  # darkened by ink
    colored[20, 20] = list(EYE)
    palette = np.array([BACK, SKIN, EYE], np.uint8)
    colors = reference_colors(colored, seg, palette=palette)
    assert tuple(colors[tiny]) == EYE


def test_reference_region_with_two_palette_colors_is_split_along_the_paint():
    line = np.zeros((80, 120, 4), np.uint8)
    cv2.rectangle(line, (10, 10), (110, 70), (0, 0, 0, 255), 2)
    seg = segment(line)
    inside = seg.labels[40, 60]
    colored = np.zeros_like(line)
    colored[seg.labels == inside] = SHIRT
    shadow = (seg.labels == inside) & (np.arange(120)[None, :] >= 70)
    colored[shadow] = SHADOW  # a shadow painted without a trace line
    colored[seg.line] = (0, 0, 0, 255)
    split = split_by_paint(seg, colored)
    assert split.n == seg.n + 1
    left, right = split.labels[40, 30], split.labels[40, 95]
    assert left != right and left >= 0 and right >= 0
    colors = reference_colors(colored, split)
    assert tuple(colors[left]) == SHIRT and tuple(colors[right]) == SHADOW
    wall = split.line_class == LineClass.CLOSURE
    xs = np.nonzero(wall)[1]
    assert xs.size and xs.min() >= 68 and xs.max() <= 71  # along the color boundary
    assert tuple(sorted((left, right))) in {tuple(p) for p in split.adjacency}
    assert split.areas.sum() == np.count_nonzero(split.labels >= 0)
    # The wall is invisible: the painted result shows the two colors edge to edge.
    result = paint(Frame(line=line, seg=split), colors).image
    assert {tuple(c) for c in result[wall]} <= {SHIRT, SHADOW}


def test_split_leaves_one_colored_regions_and_specks_alone(laughing_girl):
    lines, colored = laughing_girl
    seg = segment(lines[0])
    split = split_by_paint(seg, colored)
    assert split.n >= seg.n
    assert split.n - seg.n <= 0.3 * seg.n
    colors = reference_colors(colored, split)
    palette = {tuple(c) for c in reference_palette(colored, split)}
    assert all(tuple(c) in palette for c in colors)
    plain = np.zeros((40, 40, 4), np.uint8)
    cv2.rectangle(plain, (5, 5), (35, 35), (0, 0, 0, 255), 1)
    one = segment(plain)
    painted = np.zeros_like(plain)
    painted[one.labels == one.labels[20, 20]] = SKIN
    painted[20:23, 20:23] = EYE  # a 3x3 speck: one flat pixel, not a region
    assert split_by_paint(one, painted) is one


def test_palette_checks_its_arguments():
    with pytest.raises(ValueError, match="min_area"):
        reference_palette(np.zeros((4, 4, 4), np.uint8), min_area=0)
    with pytest.raises(InputError, match="size"):
        reference_palette(np.zeros((4, 4, 4), np.uint8), np.zeros((5, 5), bool))


MOUTH = (150, 40, 55, 255)


def _thin_mouth(scale=4):
    """(line art, painted frame) at 80x80: a skin face with a mouth 3 px tall inside its own outline.

    The mouth holds its paint exactly on a few inner pixels but no 3x3 patch of it: it has no flat pixel.
    """
    size = 80 * scale
    s = scale
    ink = np.zeros((size, size), np.uint8)
    paint_big = np.full((size, size, 4), SKIN, np.uint8)
    cv2.ellipse(paint_big, (40 * s, 40 * s), (14 * s, 2 * s), 0, 0, 360, MOUTH, -1)
    cv2.ellipse(ink, (40 * s, 40 * s), (14 * s, 2 * s), 0, 0, 360, 255, s)
    cv2.rectangle(ink, (0, 0), (size - 1, size - 1), 255, 2 * s)
    line_big = np.zeros((size, size, 4), np.uint8)
    line_big[..., 3] = ink
    colored_big = paint_big.copy()
    a = ink[..., None].astype(np.float32) / 255.0
    colored_big[..., :3] = np.round(paint_big[..., :3] * (1 - a)).astype(np.uint8)
    shrink = (80, 80)
    return (cv2.resize(line_big, shrink, interpolation=cv2.INTER_AREA),
            cv2.resize(colored_big, shrink, interpolation=cv2.INTER_AREA))


def test_a_region_too_thin_for_a_flat_pixel_reads_its_own_paint():
    from paintmatch.segment import _colors_from_blends, _flat_pixels

    line, colored = _thin_mouth()
    seg = segment(line)
    mouth = seg.labels[40, 40]
    assert mouth >= 0 and seg.areas[mouth] < 60
    packed, flat = _flat_pixels(colored)
    exact = (colored == MOUTH).all(axis=2)
    assert exact.sum() >= 3 and not (flat & exact).any()  # its paint shows, but never over a 3x3 patch
    palette = reference_palette(colored, seg)
    assert MOUTH in {tuple(c) for c in palette}  # the painter's color, read from the region itself
    assert tuple(palette[0]) == SKIN  # flat colors first, largest first
    colors = reference_colors(colored, seg)
    assert tuple(colors[mouth]) == MOUTH
    assert tuple(colors[seg.labels[10, 10]]) == SKIN
    # Its blends alone (ink over the mouth's paint) point to a palette color that is not the painter's.
    without = np.array([c for c in palette if tuple(c) != MOUTH], np.uint8)
    assert tuple(without[_colors_from_blends(colored, seg, without, np.array([mouth]))[0]]) != MOUTH
    # The palette from the line mask alone finds the same regions, so the same colors.
    assert reference_palette(colored, seg.line).tolist() == palette.tolist()


def test_a_colored_frame_fits_its_own_lines_not_another_drawings(laughing_girl, tmp_path):
    lines, colored = laughing_girl
    own, next_drawing = segment(lines[0], close_gaps_px="auto"), segment(lines[1], close_gaps_px="auto")

    def off_lines(seg, image):
        return paint_off_lines(seg, split_by_paint(seg, image))

    assert off_lines(own, colored) < 0.01
    # Painted on the next key drawing, or shifted 8 px (a misregistered scan): its paint changes across regions.
    assert off_lines(next_drawing, colored) > 0.2
    assert off_lines(own, np.roll(colored, 8, axis=1)) > MISFIT_SHARE
    # Saved as JPEG: its noise draws no wall.
    on_white = np.where(colored[..., 3:] > 0, colored[..., :3], 255).astype(np.uint8)
    Image.fromarray(on_white).save(tmp_path / "0000.jpg", quality=70)
    assert off_lines(own, read_image(tmp_path / "0000.jpg", painted=True)) < 0.01
    # A shadow painted without a trace line (a disc of a darker paint over the hair) is no misfit.
    shadowed = colored.copy()
    hair = own.labels == own.labels[700, 800]
    disc = np.zeros(hair.shape, np.uint8)
    cv2.circle(disc, (800, 720), 60, 1, -1)
    shadowed[hair & disc.astype(bool)] = colored[hair][0] // 2 + (0, 0, 0, 128)
    assert 0 < off_lines(own, shadowed) < 0.02
