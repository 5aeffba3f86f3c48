import os

import cv2
import numpy as np
import pytest

from paintmatch.errors import InputError
from paintmatch.segment import (
    UNBLUR_FROM, LineClass, classify_lines, close_gaps, colored_ink_threshold, ink_alpha_threshold, line_mask,
    reference_colors, scan_blur, segment,
)
from paintmatch.synth import as_jpeg, as_scan, blurred_on_white, faded, pale_trace_lines, trace_line_pixels, with_main_ink


def _canvas(h=64, w=64, transparent=True):
    image = np.zeros((h, w, 4), np.uint8)
    if not transparent:
        image[...] = 255
    return image


def _draw_rect(image, p0, p1, color=(0, 0, 0, 255), thickness=2):
    cv2.rectangle(image, p0, p1, color, thickness)
    return image


def test_two_boxes_give_inside_and_outside_components():
    image = _draw_rect(_canvas(), (10, 10), (30, 30))
    _draw_rect(image, (40, 10), (60, 30))
    seg = segment(image)
    assert seg.n == 3  # outside + two insides
    assert seg.labels.dtype == np.int32 and seg.labels.shape == (64, 64)
    assert (seg.labels[image[..., 3] >= 128] == -1).all()
    assert seg.areas.sum() == np.count_nonzero(seg.labels >= 0)
    outside = seg.labels[0, 0]
    inside = {seg.labels[20, 20], seg.labels[20, 50]}
    assert outside not in inside and len(inside) == 2
    pairs = {tuple(p) for p in seg.adjacency}
    for comp in inside:
        assert tuple(sorted((outside, comp))) in pairs
    assert tuple(sorted(inside)) not in pairs  # the boxes do not touch
    assert seg.transparent


def test_art_on_white_with_antialiased_lines():
    image = _canvas(transparent=False)
    cv2.circle(image, (32, 32), 20, (0, 0, 0, 255), 2, lineType=cv2.LINE_AA)
    mask, transparent = line_mask(image)
    assert not transparent
    seg = segment(image)
    assert seg.n == 2
    assert seg.labels[32, 32] != seg.labels[0, 0]


@pytest.mark.parametrize("paper", [175, 150])
def test_a_dim_scan_segments_as_its_drawing_on_white(paper):
    # With ink read as anything under 160, a scan whose paper is 175 or darker came apart into specks of paper
    # (this drawing: 56 components at 175, all ink at 150; laughing_girl: 18,758, and colorize was killed for
    # memory): the share of ink that makes a pixel ink is measured between the paper's grey and the ink's.
    art = _canvas(96, 96, transparent=False)
    _draw_rect(art, (10, 10), (50, 60))
    cv2.circle(art, (70, 40), 15, (0, 0, 0, 255), 2, cv2.LINE_AA)
    cv2.line(art, (10, 35), (50, 35), (0, 0, 0, 255), 2, cv2.LINE_AA)
    clean, scanned = segment(art), segment(as_scan(art, paper))
    assert clean.n == scanned.n == 4  # outside, the box's two halves, the disc
    for y, x in ((20, 30), (50, 30), (40, 70), (90, 90)):
        assert scanned.areas[scanned.labels[y, x]] == pytest.approx(clean.areas[clean.labels[y, x]], rel=0.1)


def test_a_black_fill_over_most_of_a_dim_scan_leaves_its_paper_found():
    # The paper is the most common grey from 96 up: a black fill over 60% of the frame is not taken for it.
    art = _canvas(96, 96, transparent=False)
    art[:58, :, :3] = 0
    _draw_rect(art, (10, 66), (40, 88))
    _draw_rect(art, (56, 66), (86, 88))
    clean, scanned = segment(art), segment(as_scan(art, 170))
    assert clean.n == scanned.n == 3  # around the boxes, and inside each


def _two_close_boxes():
    """A box inside a box 2 px apart on white: the 2 px ring of paper between them is a region of its own."""
    art = _canvas(128, 128, transparent=False)
    _draw_rect(art, (20, 20), (107, 107), thickness=3)  # 5 px lines: rows 18-22 and 25-29 at the top
    _draw_rect(art, (27, 27), (100, 100), thickness=3)
    return art


def test_a_scans_blur_is_measured_and_sharp_art_reads_as_sharp():
    gray = lambda rgba: cv2.cvtColor(rgba[..., :3], cv2.COLOR_RGB2GRAY)  # noqa: E731
    art = _two_close_boxes()
    cv2.circle(art, (64, 64), 20, (0, 0, 0, 255), 2, cv2.LINE_AA)
    assert scan_blur(gray(art)) < 0.5
    assert scan_blur(gray(as_scan(art, 175))) < UNBLUR_FROM  # a pencil scan's soft optics are left as they are
    one, two = scan_blur(gray(blurred_on_white(art, 1.0))), scan_blur(gray(blurred_on_white(art, 2.0)))
    assert UNBLUR_FROM <= one < 1.3 and 1.4 < two < 2.3


def test_a_thin_region_between_close_lines_survives_a_scans_blur(monkeypatch):
    # Blurred, the two lines darken the 2 px of paper between them past the ink threshold: the ring between the boxes
    # was lost under ink (read without unblurring, checked below); unsharp masking by the measured blur keeps it.
    art = _two_close_boxes()
    ring = np.zeros(art.shape[:2], bool)
    ring[23:25, 30:98] = True  # one side of the ring, away from its corners
    assert not line_mask(art)[0][ring].any()
    scan = blurred_on_white(art, 1.5)  # the ring's middle at 122, under the ink threshold of 160
    assert np.mean(~line_mask(scan)[0][ring]) > 0.9
    monkeypatch.setattr("paintmatch.segment.unblurred", lambda gray: gray)
    assert line_mask(scan)[0][ring].all()  # the same scan read as it is: the ring is ink


def test_sharp_art_on_white_is_read_without_unblurring(laughing_girl, monkeypatch):
    # Unsharp masking would give sharp art specks at its antialiased edges: sharp art is read as it is.
    flat = blurred_on_white(laughing_girl[0][0], 0)  # flattened on white, not blurred
    gray = cv2.cvtColor(flat[..., :3], cv2.COLOR_RGB2GRAY)
    assert scan_blur(gray) < 0.5
    mask, transparent = line_mask(flat)
    monkeypatch.setattr("paintmatch.segment.unblurred", lambda gray: gray)
    assert not transparent and np.array_equal(mask, line_mask(flat)[0])


@pytest.mark.parametrize("grey", [175, 200])
def test_light_grey_lines_on_white_segment_as_black_ones(laughing_girl, grey, monkeypatch):
    # A line layer at low opacity flattened on white: lines lighter than black ink's threshold of 160. Read by half
    # their own darkness they give laughing_girl's regions; by black ink's threshold, hardly a line (checked below).
    black = segment(blurred_on_white(laughing_girl[0][0], 0))
    light = blurred_on_white(with_main_ink(laughing_girl[0][0], (grey,) * 3), 0)
    read = segment(light)
    assert read.n == black.n
    assert np.mean(read.line == black.line) > 0.995
    monkeypatch.setattr("paintmatch.segment.LIGHT_INK_COVERAGE", 1.0)
    assert line_mask(light)[0].sum() < 0.1 * black.line.sum()


@pytest.mark.parametrize("pencil", [(150, 150, 150), (170, 170, 170), (170, 140, 110)])
def test_a_light_pencil_scan_segments_as_a_black_pencil_scan(laughing_girl, pencil):
    # Light pencils scanned on paper at 230 (their lines at about 160-176, the paper at 210-230). A grey 150 pencil,
    # its darkest pixels under 160, was taken for dark ink and read under 160: half its lines' core lost. Lighter
    # pencils were read by half their darkness but kept 40 levels under the paper, their own level. laughing_girl:
    # 41 / 8 / 9 regions against 121 in black pencil, line pixels agreeing 0.994 / 0.983 / 0.983 (now 101 / 68 / 80 over
    # 3 px against 103, 0.998 each; their grain's specks of 1-3 px filled, ``test_a_light_pencils_grain_...``, and pixels
    # part pencil, part trace line read as both, ``test_a_pixel_where_a_light_line_meets_...``: 93 / 60 / 73 without).
    black = segment(as_scan(laughing_girl[0][0], 230))
    light = segment(as_scan(with_main_ink(laughing_girl[0][0], pencil), 230))
    assert np.count_nonzero(light.areas > 3) >= 0.5 * np.count_nonzero(black.areas > 3)
    assert np.mean(light.line == black.line) > 0.997


@pytest.fixture(scope="module")
def production_line(tmp_path_factory):
    """One production-like line frame, 512 px (RGBA uint8)."""
    from paintmatch.io import read_image
    from paintmatch.synth import generate_cut

    cut = generate_cut(tmp_path_factory.mktemp("production") / "cut", frames=1, seed=7, size=512, style="production")
    return read_image(sorted((cut / "line").glob("*.png"))[0])


@pytest.mark.parametrize(("pencil", "specks_left"), [((150, 150, 150), 40), ((170, 170, 170), 40), ((170, 140, 110), 10)])
def test_a_light_pencils_grain_leaves_no_specks(production_line, pencil, specks_left, monkeypatch):
    # A light pencil is read near its own level, where its grain lifts single pixels of its lines (and of its colored
    # trace lines, read by saturation alone) over the threshold: a production-like frame scanned in light grey 170
    # split into 299 components, 189 of them specks of 1-3 px, against 133 in black pencil (22 specks: real slivers);
    # grey 150 110 specks, the darker medium brown 19. The grain's holes are filled as ink: the regions over 3 px stay
    # those of the black pencil scan.
    black = segment(as_scan(production_line, 230))
    scan = as_scan(with_main_ink(production_line, pencil), 230)
    light = segment(scan)
    assert np.count_nonzero(light.areas <= 3) <= 5
    assert abs(np.count_nonzero(light.areas > 3) - np.count_nonzero(black.areas > 3)) <= 0.05 * black.n
    monkeypatch.setattr("paintmatch.segment.NOISE_HOLE_AREA", 0)  # many are where a trace line meets a main line:
    monkeypatch.setattr("paintmatch.segment.JUNCTION_LIFT", 0.0)  # read as a share of each ink (the next tests)
    assert np.count_nonzero(segment(scan).areas <= 3) > specks_left


@pytest.fixture(scope="module")
def light_production_line(production_line):
    """``production_line`` with its main lines in light grey 175, flattened on white (opaque RGBA uint8)."""
    return blurred_on_white(with_main_ink(production_line, (175, 175, 175)), 0)


@pytest.mark.parametrize("quality", [95, 85, 70])
def test_light_line_art_as_jpeg_segments_as_its_png(light_production_line, quality, monkeypatch):
    # Light grey main lines with colored trace lines, saved as JPEG: its chroma, kept at half resolution, tints the grey
    # pixels beside a trace line (brighter in their brightest channel, too pale for a trace line), and its ringing
    # lifts others over the threshold. A production-like frame came apart into 556-581 components (129 as PNG), most of
    # them specks in the lines. The tinted pixels are read as part of both lines (without: 176-186 regions over 3 px,
    # against 110), the ringing's holes as noise (without: 218-350 specks); 110-113 regions over 3 px, 0 specks.
    drawn = light_production_line
    png, jpeg = segment(drawn), segment(as_jpeg(drawn, quality))
    assert np.count_nonzero(jpeg.areas <= 3) <= 5
    assert abs(np.count_nonzero(jpeg.areas > 3) - np.count_nonzero(png.areas > 3)) <= 0.05 * png.n
    assert np.mean(jpeg.line == png.line) > 0.995
    monkeypatch.setattr("paintmatch.segment.NOISY_PAPER_PITS", 1.0)  # the ringing's holes left: specks again
    assert np.count_nonzero(segment(as_jpeg(drawn, quality)).areas <= 3) > 40
    monkeypatch.undo()
    monkeypatch.setattr("paintmatch.segment.JUNCTION_LIFT", 0.0)  # the tinted pixels read by one ink or the other:
    assert np.count_nonzero(segment(as_jpeg(drawn, quality)).areas > 3) > 1.3 * np.count_nonzero(png.areas > 3)


@pytest.mark.parametrize("quality", [95, 85, 70])
def test_light_line_art_read_from_a_jpeg_file_keeps_its_regions(light_production_line, quality):
    # As paintmatch reads a JPEG file (``clean_jpeg`` makes near-white paper white again), the paper shows no noise,
    # so the ringing's holes stay specks (218-350 here); the pixels tinted beside trace lines are still read as both
    # inks, and the regions over 3 px are the PNG's (110-113 against 110; read by one ink alone 176-186).
    from paintmatch.io import clean_jpeg

    drawn = light_production_line
    png, jpeg = segment(drawn), segment(clean_jpeg(as_jpeg(drawn, quality)))
    assert abs(np.count_nonzero(jpeg.areas > 3) - np.count_nonzero(png.areas > 3)) <= 0.05 * png.n
    assert np.mean(jpeg.line == png.line) > 0.994


def test_noise_is_told_from_blur(production_line, light_production_line):
    # The holes are filled on noisy paper only (a scan's grain, JPEG's ringing): a blur or a resize of clean line art
    # falls smoothly to the paper and its 1-3 px regions are real slivers.
    from paintmatch.segment import _is_noisy

    def noisy(art):
        return _is_noisy(cv2.cvtColor(np.ascontiguousarray(art[..., :3]), cv2.COLOR_RGB2GRAY), line_mask(art)[0])

    light = light_production_line
    assert not noisy(light)
    assert not noisy(blurred_on_white(with_main_ink(production_line, (175, 175, 175)), 1.5))
    assert not noisy(cv2.resize(light, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC))
    assert noisy(as_jpeg(light, 95))
    assert noisy(as_scan(with_main_ink(production_line, (170, 170, 170)), 230))


def test_a_pixel_where_a_light_line_meets_a_trace_line_is_ink():
    # Where a light grey line (175) meets a blue trace line, a pixel 30% grey, 25% blue and 45% paper (167, 167, 231):
    # its brightest channel is over the light ink's threshold (215) and its saturation (71 of 255) under a trace
    # line's (90), so neither reading alone made it ink; as shares of each (0.4 + 0.8) it is. A blue line's edge on
    # white at the same saturation (184, 184, 255) is not: the paper's brightness adds nothing, the line is not fattened.
    image = _canvas(40, 40, transparent=False)
    image[:, 10:13, :3] = 175
    image[:, 14:17, :3] = (0, 0, 255)
    image[:, 13, :3] = (167, 167, 231)
    image[:, 17, :3] = (184, 184, 255)
    image[:, 30:33, :3] = 175
    mask, _ = line_mask(image)
    assert mask[:, 13].all()
    assert not mask[:, 17].any()


def test_a_dark_inks_one_pixel_region_is_kept():
    # Grain holes are filled in light ink only: between black lines a pixel of paper is a region (published frames
    # hold thousands of such slivers and notches), and the frames drawn in black read as they always did.
    image = _draw_rect(_canvas(transparent=False), (4, 4), (59, 59))
    image[10:13, 10:13, :3] = 0
    image[11, 11, :3] = 255
    seg = segment(image, close_gaps_px="off")
    assert seg.labels[11, 11] >= 0 and seg.areas[seg.labels[11, 11]] == 1


def test_light_grey_lines_are_read_beside_red_trace_lines_darker_in_grey():
    # Pure red is 76 in grey: with red trace lines over 1% of the frame, the darkest 1% in grey is red, and light grey
    # main lines were read by that (a threshold of 165, under their 175). The darkest ink is read in each pixel's
    # brightest channel, where red is bright.
    art = _canvas(128, 128, transparent=False)
    _draw_rect(art, (10, 10), (117, 117), color=(175, 175, 175, 255), thickness=3)
    cv2.line(art, (10, 64), (117, 64), (175, 175, 175, 255), 3)
    cv2.line(art, (40, 20), (40, 60), (255, 0, 0, 255), 5)  # red trace lines, about 2% of the frame
    cv2.line(art, (80, 20), (80, 60), (255, 0, 0, 255), 5)
    gray = cv2.cvtColor(art[..., :3], cv2.COLOR_RGB2GRAY)
    assert np.count_nonzero(gray < 175) > 0.01 * gray.size
    seg = segment(art)
    assert seg.labels[30, 64] != seg.labels[100, 64] and seg.labels[5, 5] != seg.labels[100, 64]


@pytest.mark.parametrize("opacity", [0.35, 0.2])
def test_a_line_layer_at_low_opacity_flattened_on_white_keeps_its_trace_lines(laughing_girl, opacity, monkeypatch):
    # Every line at low opacity: black turns light grey, the red and blue trace lines pale (red at 35% is (255, 166,
    # 166), saturation 89, under vivid ink's 90). Read by half the frame's own most saturated ink, they stay trace
    # lines; by the vivid threshold they are no ink (checked below: the regions they part merge).
    line = laughing_girl[0][0]
    black = segment(blurred_on_white(line, 0))
    flat = blurred_on_white(faded(line, opacity), 0)
    assert colored_ink_threshold(flat[..., :3]) < 90
    read = segment(flat)
    both = read.line & black.line
    assert read.n == black.n
    assert np.mean(read.line_class[both] == black.line_class[both]) > 0.999
    monkeypatch.setattr("paintmatch.segment.colored_ink_threshold", lambda rgb, saturation=0.35: 90)
    assert segment(flat).n < black.n - 10


def test_pale_trace_lines_at_full_alpha_on_transparent_art_are_trace_lines(laughing_girl, monkeypatch):
    # Red and blue trace lines drawn in pastel, (255, 166, 166) and (166, 166, 255): saturation 89, under vivid ink's
    # 90. On transparent art there is no paper; the bright line pixels' own most saturated ink sets the level.
    line = laughing_girl[0][0]
    assert line[..., 3].min() == 0
    drawn = segment(line)
    pale = segment(pale_trace_lines(line, 0.35))
    assert pale.n == drawn.n and np.array_equal(pale.line_class, drawn.line_class)
    assert np.count_nonzero(drawn.line_class == LineClass.RED) > 500
    monkeypatch.setattr("paintmatch.segment.transparent_ink_level", lambda saturation: 90)
    assert not np.any(segment(pale_trace_lines(line, 0.35)).line_class == LineClass.RED)  # read as main lines before


@pytest.mark.parametrize("transparent", [True, False])
def test_pale_colored_main_lines_with_no_trace_lines_stay_main_lines(laughing_girl, transparent):
    # Light sepia main lines, (200, 170, 140): saturation 76, and no vivid ink in the frame. Most of the ink, so the
    # main line, not a pale trace line (the pale-ink level alone read every line as a trace line).
    line = laughing_girl[0][0].copy()
    line[trace_line_pixels(line), :3] = 0
    art = with_main_ink(line, (200, 170, 140))
    art = art if transparent else blurred_on_white(art, 0)
    mask = line_mask(art)[0]
    classes = classify_lines(art, mask)
    assert np.all(classes[mask] == LineClass.MAIN)


def test_transparent_art_with_only_black_and_grey_ink_has_no_trace_lines():
    art = _canvas(128, 128, transparent=True)
    _draw_rect(art, (10, 10), (117, 117), thickness=3)
    cv2.line(art, (40, 20), (40, 100), (150, 150, 150, 255), 3)  # a grey line: bright, unsaturated
    cv2.line(art, (80, 20), (80, 100), (120, 112, 105, 255), 3)  # a warm grey: saturation 31, under 40: a main line
    seg = segment(art)
    assert not np.any(seg.line_class[seg.line] > LineClass.MAIN)


def test_vivid_trace_lines_and_grey_paper_keep_the_vivid_saturation_threshold():
    art = _canvas(128, 128, transparent=False)
    _draw_rect(art, (10, 10), (117, 117), thickness=3)
    assert colored_ink_threshold(art[..., :3]) == 40  # no colored ink: 40 over white paper's saturation
    cv2.line(art, (40, 20), (40, 60), (255, 0, 0, 255), 2)
    assert colored_ink_threshold(art[..., :3]) == 90  # a vivid red trace line: as ever
    yellowed = (art[..., :3] * np.array([1.0, 0.96, 0.82])).astype(np.uint8)  # yellowed paper (saturation 46)
    assert colored_ink_threshold(yellowed) == 90
    yellowed[..., :] = (255 * np.array([1.0, 0.96, 0.82])).astype(np.uint8)
    assert colored_ink_threshold(yellowed) >= 46 + 40  # nothing but paper: its own saturation is no ink


@pytest.mark.parametrize("main", [0, 175])
def test_a_trace_lines_faint_edge_is_paper_beside_light_grey_lines_as_beside_black_ones(main):
    # A red trace line's edge at 28% coverage (255, 184, 184) is 205 in grey: under light ink's threshold of 215 it was
    # ink beside light grey lines (trace lines read fatter, thin regions eaten), while beside black lines it is paper.
    # Light ink is read in each pixel's brightest channel, where the edge is as bright as the paper.
    art = _canvas(128, 128, transparent=False)
    _draw_rect(art, (10, 10), (117, 117), color=(main, main, main, 255), thickness=3)
    cv2.line(art, (40, 20), (40, 100), (255, 0, 0, 255), 3)
    art[20:100, 42] = (255, 184, 184, 255)
    mask = line_mask(art)[0]
    assert mask[50, 40] and mask[50, 11] and not mask[50, 42]


def test_ink_on_white_paper_is_read_as_before_and_on_grey_paper_by_the_same_share_of_ink():
    # Black ink on white keeps the fixed threshold: an antialiased pixel at 159 is ink, at 160 paper.
    art = _canvas(16, 16, transparent=False)
    art[4, 4, :3], art[4, 8, :3] = 159, 160
    art[10:12, :, :3] = 0
    mask, transparent = line_mask(art)
    assert not transparent and mask[4, 4] and not mask[4, 8] and mask[10:12].all() and mask.sum() == 1 + 32
    # On paper at 200 the same 37% of ink: under 200 - 0.37 * 200 = 125.
    art[..., :3] = np.where(art[..., :3] == 255, 200, art[..., :3])
    art[4, 4, :3], art[4, 8, :3] = 124, 126
    mask, _ = line_mask(art)
    assert mask[4, 4] and not mask[4, 8] and mask.sum() == 1 + 32


@pytest.mark.parametrize("opacity", [0.5, 0.2])
def test_line_art_exported_at_low_opacity_segments_as_at_full_opacity(laughing_girl, opacity):
    # The line layer exported at 50% or 20% opacity (alpha 127 or 51): read by the same share of its own opacity.
    line = laughing_girl[0][0]
    faint = line.copy()
    faint[..., 3] = (line[..., 3] * opacity).astype(np.uint8)
    full, seg = segment(line, close_gaps_px="auto"), segment(faint, close_gaps_px="auto")
    assert seg.n == full.n
    np.testing.assert_array_equal(seg.line, full.line)


def test_full_opacity_line_art_reads_as_before_and_a_faint_texture_is_no_ink():
    art = _canvas(16, 16)
    art[10:12, :] = (0, 0, 0, 255)
    art[4, 4, 3], art[4, 8, 3] = 128, 127  # antialiased edge pixels: half-way opaque is ink
    mask, transparent = line_mask(art)
    assert transparent and mask[4, 4] and not mask[4, 8] and mask.sum() == 1 + 32
    art[..., 3] = np.maximum(art[..., 3], 5)  # a paper texture at alpha 5 over the whole layer
    assert ink_alpha_threshold(art[..., 3]) == 128 and line_mask(art)[0].sum() == 1 + 32


@pytest.mark.parametrize("ink", [(90, 45, 30), (60, 40, 90), (30, 30, 60), (170, 140, 110), (190, 120, 80)])
def test_main_lines_drawn_in_a_color_darker_than_the_paper_are_main_lines(laughing_girl, ink):
    # Dark brown, purple or navy main lines, and medium browns (brightest channel 170-190: read as trace lines when
    # colored main lines were held to 160): saturated enough to pass for trace lines one by one, but most of the
    # frame's ink and darker than the paper in every channel; its red and blue trace lines stay trace lines.
    line = laughing_girl[0][0]
    np.testing.assert_array_equal(segment(with_main_ink(line, ink)).line_class, segment(line).line_class)


@pytest.mark.parametrize("ink", [(90, 45, 30), (60, 40, 90), (30, 30, 60)])
def test_blurred_main_lines_in_a_dark_color_are_main_lines(laughing_girl, ink):
    # A scan of brown lines: blurred, each line is a ring of pale, unsaturated pixels around its core, spread over many
    # colors, each fewer than the sharp red trace lines' one. Before, the whole frame's brown lines were read as red
    # trace lines (agreement with the black frame blurred alike 0.95 for brown, 0.97 for purple; now 0.997).
    black = blurred_on_white(laughing_girl[0][0], 1.0)
    colored = blurred_on_white(with_main_ink(laughing_girl[0][0], ink), 1.0)
    mask_black, mask_colored = line_mask(black)[0], line_mask(colored)[0]
    both = mask_black & mask_colored
    expected, got = classify_lines(black, mask_black)[both], classify_lines(colored, mask_colored)[both]
    assert np.mean(expected == got) > 0.99
    for trace in (LineClass.RED, LineClass.BLUE):  # the trace lines stay trace lines
        assert np.mean(got[expected == trace] == trace) > 0.9


@pytest.mark.parametrize("paper", [None, 150])
def test_bright_trace_lines_stay_trace_lines_where_they_outnumber_the_black_ones(paper):
    # smoke_explosion's smoke: more red line pixels than black ones, pure red (255, 0, 0) on transparent art; scanned
    # on grey paper its red channel is the paper's (150), no darker than the paper (read as main lines when colored
    # main lines were any color no brighter than 160).
    art = _canvas(40, 40)
    if paper is not None:
        art[...] = (paper, paper, paper, 255)
    _draw_rect(art, (2, 2), (37, 37))
    for x in range(6, 36, 2):  # 480 red line pixels, 416 black
        art[4:36, x] = (paper or 255, 0, 0, 255)
    ink = art[..., 3] > 0 if paper is None else art[..., :3].min(axis=2) < 100
    classes = classify_lines(art, ink)
    assert (classes[4:36, 6] == LineClass.RED).all() and (classes[2, 2:38] == LineClass.MAIN).all()


def test_components_are_4_connected():
    image = _canvas(8, 8)
    image[...] = (0, 0, 0, 255)
    image[2, 2] = image[3, 3] = (0, 0, 0, 0)  # diagonal neighbours only
    seg = segment(image)
    assert seg.labels[2, 2] != seg.labels[3, 3]


def test_no_lines_is_a_clear_error():
    with pytest.raises(InputError, match="no lines"):
        segment(_canvas())


def test_trace_lines_of_laughing_girl_are_classified(laughing_girl):
    lines, _ = laughing_girl
    seg = segment(lines[0])
    rgb = lines[0][..., :3].astype(int)
    opaque = lines[0][..., 3] >= 128
    blue = opaque & (rgb[..., 2] > 200) & (rgb[..., 0] < 50)
    red = opaque & (rgb[..., 0] > 200) & (rgb[..., 2] < 50)
    black = opaque & (rgb.sum(axis=2) < 60)
    assert blue.sum() > 1000 and red.sum() > 500
    assert (seg.line_class[blue] == LineClass.BLUE).all()
    assert (seg.line_class[red] == LineClass.RED).all()
    assert (seg.line_class[black] == LineClass.MAIN).all()
    # Components beside trace lines know it.
    assert np.count_nonzero(seg.trace_sides & (1 << LineClass.BLUE)) > 5
    assert np.count_nonzero(seg.trace_sides & (1 << LineClass.RED)) > 3


def test_gap_closing_closes_a_drawn_gap():
    image = _canvas(80, 120)
    _draw_rect(image, (10, 10), (110, 70))
    cv2.line(image, (60, 10), (60, 70), (0, 0, 0, 255), 2)
    image[36:44, 59:62] = 0  # an 8-pixel gap in the dividing line
    assert segment(image).n == 2  # outside + one leaking inside
    closed = segment(image, close_gaps_px=5)
    assert closed.n == 3
    assert closed.labels[40, 30] != closed.labels[40, 90]
    closures = closed.line_class == LineClass.CLOSURE
    assert closures.any()
    ys, xs = np.nonzero(closures)
    assert ys.min() >= 30 and ys.max() <= 50 and xs.min() >= 52 and xs.max() <= 68  # only in the gap


def test_gap_closing_leaves_closed_shapes_alone():
    image = _draw_rect(_canvas(80, 120), (10, 10), (110, 70))
    mask, _ = line_mask(image)
    assert not close_gaps(mask, radius=5).any()


def test_reference_colors_take_the_majority_and_ignore_edges():
    image = _draw_rect(_canvas(), (10, 10), (40, 40))
    seg = segment(image)
    colored = np.zeros_like(image)
    inside = seg.labels == seg.labels[25, 25]
    colored[inside] = (200, 10, 10, 255)
    # Antialiased-looking ring of another color along the inner edge.
    ring = inside & ~cv2.erode(inside.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    colored[ring] = (10, 10, 200, 255)
    colors = reference_colors(colored, seg)
    assert tuple(colors[seg.labels[25, 25]]) == (200, 10, 10, 255)
    assert tuple(colors[seg.labels[0, 0]]) == (0, 0, 0, 0)


def test_reference_colors_size_mismatch():
    seg = segment(_draw_rect(_canvas(), (10, 10), (40, 40)))
    with pytest.raises(InputError, match="size"):
        reference_colors(np.zeros((10, 10, 4), np.uint8), seg)


def test_laughing_girl_segmentation(laughing_girl):
    lines, colored = laughing_girl
    seg = segment(lines[0])
    assert 100 <= seg.n <= 250
    colors = reference_colors(colored, seg)
    background = seg.labels[0, 0]
    assert colors[background, 3] == 0
    # Most regions are paint; a few enclosed regions between hair strands are background too.
    assert (colors[np.arange(seg.n) != background, 3] == 255).mean() > 0.85
    palette = {tuple(c) for c in np.unique(colored.reshape(-1, 4), axis=0) if c[3] == 255}
    assert all(tuple(c) in palette for c in colors if c[3] == 255)


def test_expanded_labels_are_the_nearest_component_gathered_from_the_distance_transform():
    # The line pixels take the component of the non-line pixel the distance transform names:
    # the fast rank arithmetic must agree with gathering every non-line pixel in raster order.
    rng = np.random.default_rng(3)
    image = _canvas(96, 128)
    for _ in range(25):
        p0 = tuple(int(v) for v in rng.integers(0, 120, 2))
        p1 = tuple(int(v) for v in rng.integers(0, 120, 2))
        cv2.line(image, p0, p1, (0, 0, 0, 255), int(rng.integers(1, 6)))
    seg = segment(image)
    line = seg.labels < 0
    _, nearest = cv2.distanceTransformWithLabels(line.astype(np.uint8), cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL)
    expected = seg.labels.copy()
    expected[line] = seg.labels[~line][nearest[line] - 1]
    assert line.any()
    np.testing.assert_array_equal(seg.expanded_labels(), expected)
    assert (seg.expanded_labels() >= 0).all()


def _opencv_stats(seg):
    free = (seg.labels >= 0).view(np.uint8)
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(free, connectivity=4, ltype=cv2.CV_32S)
    return count - 1, labels - 1, stats[1:], centroids[1:]


def test_component_statistics_from_runs_equal_opencvs_per_pixel_statistics(laughing_girl):
    # Areas, boxes and centroids come from the horizontal runs between line pixels; they must be
    # exactly what OpenCV's per-pixel pass gives, on real art and on a frame with edge cases:
    # components touching every border, one-pixel components, rows with no line at all, a
    # component whose runs are split by a line in the middle of a row.
    edge = _canvas(40, 50)
    edge[5, :] = (0, 0, 0, 255)  # a full-width line row
    edge[:, 20] = (0, 0, 0, 255)  # a full-height line column
    edge[10:13, 30:33] = (0, 0, 0, 255)
    edge[11, 31] = 0  # a one-pixel component inside a ring of ink
    edge[0, 49] = (0, 0, 0, 255)
    edge[20:30, 40] = (0, 0, 0, 255)  # a wall inside one component: its rows have two runs
    for image in (laughing_girl[0][1], edge):
        seg = segment(image)
        n, labels, stats, centroids = _opencv_stats(seg)
        assert seg.n == n
        np.testing.assert_array_equal(seg.labels, labels)
        np.testing.assert_array_equal(seg.areas, stats[:, cv2.CC_STAT_AREA])
        np.testing.assert_array_equal(seg.bboxes, stats[:, :4])
        np.testing.assert_allclose(seg.centroids, centroids, rtol=0, atol=1e-9)
        assert seg.areas.dtype == np.int64 and seg.bboxes.dtype == np.int32 and seg.centroids.dtype == np.float64
    assert 1 in segment(edge).areas


def test_segmentation_is_the_same_with_one_opencv_thread(laughing_girl):
    # With several OpenCV threads the distance transform runs beside the connected components;
    # with one (batch workers) everything runs in order: the result must not depend on it.
    line = laughing_girl[0][1]
    threads = cv2.getNumThreads()
    try:
        cv2.setNumThreads(2)
        parallel = segment(line)
        cv2.setNumThreads(1)
        serial = segment(line)
    finally:
        cv2.setNumThreads(threads)
    for name in ("labels", "areas", "bboxes", "adjacency", "trace_sides"):
        np.testing.assert_array_equal(getattr(parallel, name), getattr(serial, name))
    np.testing.assert_array_equal(parallel.expanded_labels(), serial.expanded_labels())


def _count_components(image):
    return segment(image).n


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork start method only")
def test_segmentation_works_in_a_forked_child_after_the_parent_segmented():
    # The parent's helper thread does not survive fork: a child (multiprocessing, Dask process
    # workers) must start its own instead of waiting forever on the inherited executor.
    import multiprocessing

    image = _draw_rect(_canvas(256, 256), (20, 20), (200, 200))
    threads = cv2.getNumThreads()
    cv2.setNumThreads(2)  # the helper thread is used only with several OpenCV threads
    try:
        expected = segment(image).n
        with multiprocessing.get_context("fork").Pool(1) as pool:
            assert pool.apply_async(_count_components, (image,)).get(timeout=60) == expected
    finally:
        cv2.setNumThreads(threads)
