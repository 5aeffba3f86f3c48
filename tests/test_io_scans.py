"""paintmatch.io on scans: TIFF (every layout Pillow writes), JPEG with its warning and cleanup, the
header-first size check for both, strict ``line/`` listings, TIFF output and ``output_format_for``."""

from __future__ import annotations

import logging
import struct
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from paintmatch.errors import InputError
from paintmatch.io import (
    OUTPUT_SUFFIXES,
    clean_jpeg,
    flatten_jpeg_paint,
    find_line_frames,
    image_info,
    is_image_file,
    output_format_for,
    read_cut,
    read_image,
    write_image,
)


def _noise(shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def _grey_rgba(grey: np.ndarray) -> np.ndarray:
    return np.dstack([grey, grey, grey, np.full(grey.shape, 255, np.uint8)])


def _opaque(rgb: np.ndarray) -> np.ndarray:
    return np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])


# --------------------------------------------------------------------------------------------------
# TIFF layouts


_RGBA = _noise((13, 17, 4))
_BITS = _RGBA[..., 0] > 127
TIFF_CASES = {
    # name: (Pillow image, save options, expected RGBA, expected ImageInfo mode and bits per pixel)
    "rgba-lzw": (Image.fromarray(_RGBA, "RGBA"), {"compression": "tiff_lzw"}, _RGBA, ("RGBA", 32)),
    "rgb-deflate": (Image.fromarray(_RGBA[..., :3], "RGB"), {"compression": "tiff_adobe_deflate"}, _opaque(_RGBA[..., :3]), ("RGB", 24)),
    "grey-packbits": (Image.fromarray(_RGBA[..., 0], "L"), {"compression": "packbits"}, _grey_rgba(_RGBA[..., 0]), ("L", 8)),
    "grey-raw": (Image.fromarray(_RGBA[..., 1], "L"), {}, _grey_rgba(_RGBA[..., 1]), ("L", 8)),
    "grey16-lzw": (Image.fromarray(_RGBA[..., 2].astype(np.uint16) * 257), {"compression": "tiff_lzw"}, _grey_rgba(_RGBA[..., 2]), ("I;16", 16)),
    "bilevel-g4": (Image.fromarray(_BITS).convert("1"), {"compression": "group4"}, _grey_rgba(np.where(_BITS, 255, 0).astype(np.uint8)), ("1", 1)),
    "bilevel-packbits": (Image.fromarray(_BITS).convert("1"), {"compression": "packbits"}, _grey_rgba(np.where(_BITS, 255, 0).astype(np.uint8)), ("1", 1)),
}


@pytest.mark.parametrize("case", sorted(TIFF_CASES))
@pytest.mark.parametrize("suffix", [".tif", ".tiff"])
def test_tiff_layouts_read_exactly(tmp_path, case, suffix):
    image, options, expected, (mode, bits) = TIFF_CASES[case]
    path = tmp_path / f"0001{suffix}"
    image.save(path, format="TIFF", **options)
    info = image_info(path)
    assert (info.format, info.width, info.height, info.mode, info.bits_per_pixel) == ("TIFF", 17, 13, mode, bits)
    np.testing.assert_array_equal(read_image(path), expected)
    assert is_image_file(path) and is_image_file(path.read_bytes())


def test_big_endian_and_16_bit_rgb_tiff(tmp_path):
    tifffile = pytest.importorskip("tifffile")
    rgba16 = _RGBA.astype(np.uint16) * 256 + 200  # the low byte must not leak into the 8-bit result
    tifffile.imwrite(tmp_path / "rgba16.tif", rgba16, photometric="rgb", extrasamples=["unassalpha"], compression="zlib", byteorder=">")
    tifffile.imwrite(tmp_path / "rgb16.tif", rgba16[..., :3], photometric="rgb")
    tifffile.imwrite(tmp_path / "big.tif", _RGBA[..., :3], photometric="rgb", bigtiff=True)
    assert image_info(tmp_path / "rgba16.tif").mode == "RGBA;16"
    np.testing.assert_array_equal(read_image(tmp_path / "rgba16.tif"), _RGBA)
    assert (image_info(tmp_path / "rgb16.tif").mode, image_info(tmp_path / "rgb16.tif").bits_per_pixel) == ("RGB;16", 48)
    np.testing.assert_array_equal(read_image(tmp_path / "rgb16.tif"), _opaque(_RGBA[..., :3]))
    assert image_info(tmp_path / "big.tif").width == 17  # BigTIFF: 64-bit offsets
    np.testing.assert_array_equal(read_image(tmp_path / "big.tif"), _opaque(_RGBA[..., :3]))


def _tiff_header_only(width: int, height: int) -> bytes:
    """A little-endian TIFF whose first IFD claims ``width`` x ``height`` grey pixels and holds none."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 8), (277, 3, 1, 1), (278, 4, 1, height), (279, 4, 1, width * height)]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries) + b"\0\0\0\0"
    return b"II*\x00" + struct.pack("<I", 8) + ifd


def _jpeg_header_only(width: int, height: int) -> bytes:
    """JPEG markers up to a baseline start-of-frame claiming ``width`` x ``height``, with no scan."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


@pytest.mark.parametrize("name, data", [("bomb.tif", _tiff_header_only(20000, 20000)),
                                        ("bomb.jpg", _jpeg_header_only(30000, 30000))])
def test_oversized_scan_is_refused_from_its_header(tmp_path, monkeypatch, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    info = image_info(path)
    assert info.pixels >= 400_000_000
    def no_decoding(*args, **kwargs):
        raise AssertionError("Pillow was asked to open the file before the size check")
    monkeypatch.setattr(Image, "open", no_decoding)
    with pytest.raises(InputError, match=rf"{name}: image is \d+x\d+ = [\d,]+ pixels, over the limit") as error:
        read_image(path)
    assert error.value.exit_code == 2
    assert path.read_bytes() == data


@pytest.mark.parametrize("array, kind", [(np.full((5, 6), 0.5, np.float32), "float"), (np.full((5, 6), 9, np.int32), "integer")])
def test_32_bit_tiff_is_refused_not_misread(tmp_path, array, kind):
    Image.fromarray(array).save(tmp_path / "scan.tif")
    assert image_info(tmp_path / "scan.tif").mode == ("F" if kind == "float" else "I")
    with pytest.raises(InputError, match=rf"scan\.tif: a TIFF of 32-bit {kind} samples is not read.*8 or 16 bits"):
        read_image(tmp_path / "scan.tif")


def test_damaged_tiff_and_jpeg_are_named(tmp_path):
    Image.fromarray(_RGBA, "RGBA").save(tmp_path / "whole.tif", compression="tiff_lzw")
    data = (tmp_path / "whole.tif").read_bytes()
    (tmp_path / "garbage.tif").write_bytes(b"II*\x00" + b"\xff" * 40)  # magic number, no IFD
    (tmp_path / "zero.tif").write_bytes(_tiff_header_only(0, 10))
    for name in ("garbage.tif", "zero.tif"):
        with pytest.raises(InputError, match=rf"{name}: not a PNG, TGA, TIFF or JPEG image"):
            read_image(tmp_path / name)
        assert not is_image_file(tmp_path / name)
    Image.fromarray(_noise((64, 64, 3), 1)).save(tmp_path / "whole.jpg", quality=90)
    jpeg = (tmp_path / "whole.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(jpeg[: len(jpeg) // 3])
    with pytest.raises(InputError, match=r"cut\.jpg: the JPEG file is truncated or corrupt"):
        read_image(tmp_path / "cut.jpg")
    (tmp_path / "nosof.jpg").write_bytes(b"\xff\xd8\xff\xd9")
    with pytest.raises(InputError, match=r"nosof\.jpg: not a PNG, TGA, TIFF or JPEG image"):
        read_image(tmp_path / "nosof.jpg")
    assert data == (tmp_path / "whole.tif").read_bytes()


# --------------------------------------------------------------------------------------------------
# JPEG line art


def _face(ink: int = 0, thick: int = 2) -> np.ndarray:
    """(256, 256, 3) uint8: a simple drawing on white with a red and a blue trace line."""
    img = np.full((256, 256, 3), 255, np.uint8)
    k = (ink,) * 3
    cv2.ellipse(img, (128, 128), (90, 110), 0, 0, 360, k, thick, cv2.LINE_AA)
    for x in (90, 166):
        cv2.circle(img, (x, 100), 18, k, thick, cv2.LINE_AA)
        cv2.circle(img, (x, 100), 7, k, thick, cv2.LINE_AA)
    cv2.ellipse(img, (128, 175), (40, 15), 0, 0, 360, k, thick, cv2.LINE_AA)
    cv2.line(img, (40, 128), (216, 140), (200, 30, 30), thick, cv2.LINE_AA)
    cv2.rectangle(img, (5, 5), (30, 250), k, thick, cv2.LINE_AA)
    cv2.line(img, (5, 128), (30, 128), (30, 30, 200), thick, cv2.LINE_AA)
    return img


def _jpeg(rgb: np.ndarray, path: Path, quality: int) -> np.ndarray:
    """Write ``rgb`` as JPEG; returns what Pillow decodes from it (no cleanup)."""
    Image.fromarray(rgb).save(path, format="JPEG", quality=quality)
    with Image.open(path) as image:
        return np.array(image.convert("RGB"))


@pytest.mark.parametrize("thick", [1, 2, 3])
def test_jpeg_line_art_segments_like_its_png(tmp_path, caplog, thick):
    from paintmatch.segment import classify_lines, line_mask, segment

    drawing = _face(thick=thick)
    write_image(tmp_path / "0001.png", _opaque(drawing))
    decoded = _jpeg(drawing, tmp_path / "0001.jpg", quality=75)
    png = read_image(tmp_path / "0001.png")
    with caplog.at_level(logging.WARNING, logger="paintmatch"):
        jpeg = read_image(tmp_path / "0001.jpg")
    warned = [r for r in caplog.records if r.name == "paintmatch" and r.levelno == logging.WARNING]
    assert len(warned) == 1 and "0001.jpg" in warned[0].getMessage() and "lossy" in warned[0].getMessage()
    assert segment(jpeg).n == segment(png).n
    # The paper is white and the ink black again, as in the PNG; as decoded, they are not.
    paper, ink = (drawing == 255).all(-1), (drawing == 0).all(-1)
    assert (jpeg[paper][:, :3] == 255).all(-1).mean() > 0.998 > (decoded[paper] == 255).all(-1).mean() + 0.05
    assert (jpeg[ink][:, :3] == 0).all(-1).mean() > 0.99 > (decoded[ink] == 0).all(-1).mean() + 0.2
    # The cleanup leaves the line mask and the trace lines' colors as decoded.
    mask, _ = line_mask(jpeg)
    np.testing.assert_array_equal(mask, line_mask(_opaque(decoded))[0])
    np.testing.assert_array_equal(classify_lines(jpeg, mask), classify_lines(_opaque(decoded), mask))
    red = (drawing == (200, 30, 30)).all(-1)
    np.testing.assert_array_equal(jpeg[red][:, :3], decoded[red])


# --------------------------------------------------------------------------------------------------
# JPEG colored frames

#: Paints of the painted face: a pale blue that ``clean_jpeg`` would take for paper, a pale lavender, a skin, its
#: shadow, a saturated red, a dark blue.
_PAINTS = [(233, 243, 245), (235, 231, 255), (250, 220, 200), (225, 185, 165), (200, 30, 30), (30, 40, 110)]


def _painted_face() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rgb, paint, lines)``: six cells painted with ``_PAINTS`` on white, a circle in each, then inked over with
    antialiased black lines (the blends between ink and paint as a paint program exports them); (240, 360) int the
    ``_PAINTS`` index of each pixel 5 px or more from every line (-1 elsewhere); the line art alone, black on white."""
    rgb = np.full((240, 360, 3), 255, np.uint8)
    lines = rgb.copy()
    ink = np.zeros(rgb.shape[:2], np.uint8)
    paint = np.full(rgb.shape[:2], -1)
    for i, color in enumerate(_PAINTS):
        x, y = 20 + 110 * (i % 3), 20 + 110 * (i // 3)
        cv2.rectangle(rgb, (x, y), (x + 100, y + 100), color, -1)
        paint[y:y + 101, x:x + 101] = i
        for canvas, value in ((rgb, (0, 0, 0)), (lines, (0, 0, 0)), (ink, 1)):
            cv2.rectangle(canvas, (x, y), (x + 100, y + 100), value, 2, cv2.LINE_AA)
            cv2.circle(canvas, (x + 50, y + 50), 22, value, 2, cv2.LINE_AA)
    paint[cv2.dilate(ink, np.ones((11, 11), np.uint8)) > 0] = -1
    return rgb, paint, lines


def _main_color(image: np.ndarray, inside: np.ndarray) -> tuple[np.ndarray, float]:
    """The most common color of ``image`` (H, W, C) over ``inside`` (H, W) bool, and the share of those pixels it has."""
    values, counts = np.unique(image[inside], axis=0, return_counts=True)
    return values[counts.argmax()], counts.max() / inside.sum()


@pytest.mark.parametrize("quality", [95, 85, 75, 70])
def test_a_jpeg_colored_frame_keeps_its_pale_paints_and_reads_each_paint_once(tmp_path, caplog, quality):
    from paintmatch.segment import reference_palette

    rgb, paint, _ = _painted_face()
    _jpeg(rgb, tmp_path / "0001.jpg", quality=quality)
    with caplog.at_level(logging.WARNING, logger="paintmatch"):
        colored = read_image(tmp_path / "0001.jpg", painted=True)
    warned = [r.getMessage() for r in caplog.records if r.name == "paintmatch" and r.levelno == logging.WARNING]
    assert len(warned) == 1 and "0001.jpg" in warned[0] and "each paint is read within" in warned[0]
    palette = reference_palette(colored)[:, :3].astype(int)
    # Inside each painted cell (away from its lines) nearly every pixel is one palette color within 8 levels of its
    # paint: six paints read as six colors, the pale blue and the lavender among them, not the paper's white nor one
    # paint. The saturated red and dark blue too (94-100% of their pixels): JPEG moves their chroma farther than their
    # luma (with one tolerance of 8 levels for red, green and blue, 91-92% of their pixels took their main color at
    # quality 75 and 70).
    read = []
    for i, color in enumerate(_PAINTS):
        main, share = _main_color(colored[..., :3], paint == i)
        assert share > 0.94, color
        assert np.abs(main.astype(int) - color).max() <= 8 and (palette == main).all(axis=1).any(), color
        read.append(tuple(main.tolist()))
    assert len(set(read)) == len(_PAINTS)
    # Read as line art instead, the pale blue turns to paper, and at lower qualities a cell holds several colors.
    as_line_art = read_image(tmp_path / "0001.jpg")
    assert (as_line_art[paint == 0][:, :3] == 255).all(axis=1).mean() > 0.5
    if quality < 95:
        assert len(np.unique(as_line_art[paint == 3][:, :3], axis=0)) > 1


def test_colorize_reads_a_jpeg_colored_frame_with_its_pale_paints(tmp_path):
    from paintmatch.cut import colorize_cut

    rgb, paint, lines = _painted_face()
    cut = tmp_path / "cut"
    (cut / "line").mkdir(parents=True)
    (cut / "gt").mkdir()
    for name, shift in (("0000", 0), ("0001", 3)):
        write_image(cut / "line" / f"{name}.png", _opaque(np.roll(lines, shift, axis=1)))
    _jpeg(rgb, cut / "gt" / "0000.jpg", quality=85)
    colorize_cut(cut, tmp_path / "out")
    out = read_image(tmp_path / "out" / "0001.png")
    for i, color in enumerate(_PAINTS):
        main, share = _main_color(out, np.roll(paint == i, 3, axis=1))
        assert share > 0.95 and main[3] == 255, color
        assert np.abs(main[:3].astype(int) - color).max() <= 8, (color, main)


def test_flatten_jpeg_paint_leaves_blends_and_exact_frames_alone():
    from paintmatch.io import JPEG_CHROMA_TOLERANCE, JPEG_LUMA_TOLERANCE

    rgb, _, _ = _painted_face()
    frame = _opaque(rgb)
    flat = flatten_jpeg_paint(frame)
    # An exact frame: its paints are already flat; the antialiased line pixels outside every paint's tolerances (in
    # JPEG's luma and chroma: OpenCV's YCrCb) stay as they are, and no pixel moves past them.
    def luma_chroma(colors):
        return cv2.cvtColor(np.asarray(colors, np.uint8).reshape(-1, 1, 3), cv2.COLOR_RGB2YCrCb).reshape(-1, 3).astype(int)

    paints = luma_chroma([*_PAINTS, (255, 255, 255), (0, 0, 0)])
    tolerance = np.array([JPEG_LUMA_TOLERANCE, JPEG_CHROMA_TOLERANCE, JPEG_CHROMA_TOLERANCE])
    pixels = luma_chroma(frame[..., :3])
    far = (np.abs(pixels[:, None, :] - paints[None]) > tolerance).any(axis=2).all(axis=1).reshape(frame.shape[:2])
    assert far.sum() > 100
    np.testing.assert_array_equal(flat[far], frame[far])
    moved = (np.abs(luma_chroma(flat[..., :3]) - pixels) > tolerance).any(axis=1)
    assert not moved.any()
    assert (flat[..., 3] == frame[..., 3]).all()
    # Noise with no nearly flat pixel holds no paint: it comes back as it was.
    noise = np.random.default_rng(3).integers(0, 256, (20, 30, 4), dtype=np.uint8)
    np.testing.assert_array_equal(flatten_jpeg_paint(noise), noise)
    with pytest.raises(ValueError, match="flatten_jpeg_paint: rgba must be"):
        flatten_jpeg_paint(rgb)


def test_flatten_jpeg_paint_finds_a_paint_whose_decoded_colors_never_repeat():
    # A saturated blue cell as JPEG's chroma noise leaves it: each of the 125 colors up to 2 levels off in each channel
    # on 3 pixels, so no decoded color covers 4 pixels and none would be a paint by its own count; together they lie
    # within the tolerances, and the cell reads as one paint. Beside it a pale cell whose color repeats keeps its own.
    rng = np.random.default_rng(7)
    offsets = np.stack(np.meshgrid(*[np.arange(-2, 3)] * 3, indexing="ij"), axis=-1).reshape(-1, 3)
    noise = rng.permutation(np.repeat(offsets, 3, axis=0)).reshape(15, 25, 3)
    frame = np.full((25, 70, 4), 255, np.uint8)
    frame[5:20, 5:30, :3] = np.array([30, 31, 210]) + noise
    frame[5:20, 40:65, :3] = (233, 243, 245)
    blue = frame[5:20, 5:30, :3].reshape(-1, 3)
    assert np.unique(blue, axis=0, return_counts=True)[1].max() == 3
    flat = flatten_jpeg_paint(frame)
    values, counts = np.unique(flat[5:20, 5:30, :3].reshape(-1, 3), axis=0, return_counts=True)
    assert counts.max() == 375 and np.abs(values[0].astype(int) - (30, 31, 210)).max() <= 2
    assert (flat[5:20, 40:65, :3] == (233, 243, 245)).all() and (flat[0, 0, :3] == 255).all()


def test_a_tiff_with_jpeg_compression_is_read_as_a_jpeg(tmp_path, caplog):
    # JPEG-compressed strips in a TIFF are as lossy as a JPEG file: the colored frame's paints are made flat again
    # (read as exact, each paint came back as many colors) and line art is cleaned, each with its warning.
    rgb, paint, lines = _painted_face()
    Image.fromarray(rgb).save(tmp_path / "0000.tif", compression="jpeg", quality=85)
    Image.fromarray(lines).save(tmp_path / "0001.tif", compression="jpeg", quality=85)
    Image.fromarray(rgb).save(tmp_path / "lossless.tif", compression="tiff_lzw")
    with Image.open(tmp_path / "0000.tif") as image:
        decoded = np.array(image.convert("RGB"))
    assert len(np.unique(decoded[paint == 4], axis=0)) > 10  # the red cell, as decoded
    with caplog.at_level(logging.WARNING, logger="paintmatch"):
        colored = read_image(tmp_path / "0000.tif", painted=True)
        line_art = read_image(tmp_path / "0001.tif")
        exact = read_image(tmp_path / "lossless.tif", painted=True)
    warned = [r.getMessage() for r in caplog.records if r.name == "paintmatch" and r.levelno == logging.WARNING]
    assert len(warned) == 2 and all("JPEG compression inside a TIFF" in m for m in warned)
    assert "0000.tif" in warned[0] and "each paint is read within" in warned[0] and "0001.tif" in warned[1]
    for i, color in enumerate(_PAINTS):
        main, share = _main_color(colored[..., :3], paint == i)
        assert share > 0.94 and np.abs(main.astype(int) - color).max() <= 8, color
    np.testing.assert_array_equal(exact[..., :3], rgb)  # lossless TIFF: read exactly, no warning
    paper = (lines == 255).all(-1)
    assert (line_art[paper][:, :3] == 255).all(-1).mean() > 0.998


def test_clean_jpeg_snaps_only_near_white_and_near_black():
    pixels = np.array([[[255, 255, 255], [240, 236, 244], [230, 240, 250], [24, 0, 10],
                        [30, 30, 30], [200, 30, 30], [128, 128, 128], [250, 232, 250], [250, 226, 250]]], np.uint8)
    expected = [[255, 255, 255], [255, 255, 255], [230, 240, 250], [0, 0, 0],
                [30, 30, 30], [200, 30, 30], [128, 128, 128], [255, 255, 255], [250, 226, 250]]
    assert clean_jpeg(pixels)[0].tolist() == expected
    with_alpha = np.dstack([pixels, np.full(pixels.shape[:2], 7, np.uint8)])
    assert clean_jpeg(with_alpha)[0, :, 3].tolist() == [7] * 9
    assert clean_jpeg(pixels, tolerance=0)[0].tolist() == pixels[0].tolist()
    with pytest.raises(ValueError, match=r"\(H, W, 3\|4\) uint8"):
        clean_jpeg(pixels.astype(np.float32))


def test_grey_and_cmyk_jpeg(tmp_path):
    grey = _face()[..., 0]
    Image.fromarray(grey, "L").save(tmp_path / "grey.jpeg", quality=95, progressive=True)
    info = image_info(tmp_path / "grey.jpeg")
    assert (info.format, info.width, info.height, info.mode, info.bits_per_pixel) == ("JPEG", 256, 256, "L", 8)
    assert read_image(tmp_path / "grey.jpeg").shape == (256, 256, 4)
    Image.fromarray(_face()).convert("CMYK").save(tmp_path / "cmyk.jpg", quality=95)
    assert image_info(tmp_path / "cmyk.jpg").mode == "CMYK"
    assert read_image(tmp_path / "cmyk.jpg")[40, 128].tolist() == [255, 255, 255, 255]  # paper


# --------------------------------------------------------------------------------------------------
# Cut folders of scans


def _scan_cut(root: Path, suffixes=(".tif", ".tif", ".tif"), gt_suffix=".tif") -> Path:
    (root / "line").mkdir(parents=True)
    (root / "gt").mkdir()
    line = Image.fromarray(_face()[..., 0], "L")
    for i, suffix in enumerate(suffixes):
        line.save(root / "line" / f"000{i}{suffix}", **({"compression": "tiff_lzw"} if "tif" in suffix else {}))
    Image.fromarray(_face(), "RGB").save(root / "gt" / f"0000{gt_suffix}", compression="tiff_adobe_deflate")
    return root


def test_read_cut_lists_tiff_and_jpeg_frames(tmp_path):
    cut = read_cut(_scan_cut(tmp_path / "tiff"))
    assert [p.name for p in cut.line] == ["0000.tif", "0001.tif", "0002.tif"]
    assert cut.colored == {"0000": tmp_path / "tiff" / "gt" / "0000.tif"}
    mixed = read_cut(_scan_cut(tmp_path / "mixed", (".png", ".TIFF", ".jpg")))
    assert [p.name for p in mixed.line] == ["0000.png", "0001.TIFF", "0002.jpg"]
    assert find_line_frames([tmp_path / "mixed" / "line"]) == mixed.line


def test_batch_finds_scan_frames(tmp_path):
    from paintmatch.batch import _is_image  # it uses paintmatch.io.IMAGE_SUFFIXES

    root = _scan_cut(tmp_path / "cut", (".tif", ".jpeg"))
    assert _is_image(root / "line" / "0000.tif") and _is_image(root / "line" / "0001.jpeg")
    assert _is_image(root / "gt" / "0000.tif")


@pytest.mark.parametrize("name", ["0003.psd", "notes.txt", "0003.bmp", "0003.webp"])
def test_file_the_run_cannot_read_in_line_folder_is_named(tmp_path, name):
    root = _scan_cut(tmp_path / "cut")
    (root / "line" / name).write_bytes(b"layers")
    before = {p.name: p.read_bytes() for p in (root / "line").iterdir()}
    with pytest.raises(InputError, match=rf"line/{name}: not a frame paintmatch can read.*Thumbs\.db") as error:
        read_cut(root)
    assert error.value.exit_code == 2
    with pytest.raises(InputError, match=name.replace(".", r"\.")):
        find_line_frames([root / "line"])
    assert {p.name: p.read_bytes() for p in (root / "line").iterdir()} == before


def test_unreadable_frames_in_line_folder_are_named(tmp_path):
    root = _scan_cut(tmp_path / "cut")
    (root / "line" / "0003.tif").symlink_to(tmp_path / "gone.tif")
    with pytest.raises(InputError, match=r"line/0003\.tif: a link to a file that does not exist"):
        read_cut(root)
    (root / "line" / "0003.tif").unlink()
    (root / "line" / "0003.jpg").write_bytes(b"not really a jpeg")
    with pytest.raises(InputError, match=r"line/0003\.jpg: not a PNG, TGA, TIFF or JPEG image"):
        read_cut(root)
    (root / "line" / "0003.jpg").unlink()
    for ignored in (".DS_Store", "._0001.tif", "Thumbs.db", "desktop.ini"):
        (root / "line" / ignored).write_bytes(b"\0")
    assert read_cut(root).names == ["0000", "0001", "0002"]


def test_cli_colors_a_tiff_cut_and_a_jpeg_among_pngs(tmp_path, capsys):
    from paintmatch.cli import main

    root = _scan_cut(tmp_path / "cut", (".png", ".jpg", ".tif"), gt_suffix=".png")
    inputs = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    code = main(["colorize", str(root), "--out", str(tmp_path / "out"), "--quiet", "--method", "overlap"])
    err = capsys.readouterr().err
    assert code == 0, err
    written = sorted(p.stem for p in (tmp_path / "out").iterdir() if p.suffix in (".png", ".tif"))
    assert written == ["0000", "0001", "0002"]  # the .jpg and .tif frames are colored, not skipped
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == inputs
    (root / "line" / "0003.psd").write_bytes(b"8BPS")
    code = main(["colorize", str(root), "--out", str(tmp_path / "out2"), "--quiet", "--method", "overlap"])
    err = capsys.readouterr().err
    assert code == 2 and "0003.psd" in err and "Traceback" not in err
    assert not (tmp_path / "out2").exists()


# --------------------------------------------------------------------------------------------------
# Output


@pytest.mark.parametrize("suffix", [".tif", ".tiff", ".TIF"])
def test_tiff_output_round_trip_is_exact_and_lossless(tmp_path, suffix):
    rgba = _noise((19, 23, 4), 3)
    path = tmp_path / "sub" / f"0001{suffix}"
    write_image(path, rgba)
    np.testing.assert_array_equal(read_image(path), rgba)
    with Image.open(path) as image:
        assert image.format == "TIFF" and image.mode == "RGBA" and image.info["compression"] == "tiff_lzw"
    write_image(path, rgba, bits_per_pixel=24)
    assert image_info(path).mode == "RGB"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_output_format_keeps_the_lossless_family():
    assert output_format_for(["a/0001.png", "a/0002.png"]) == "png"
    assert output_format_for(["0001.tga", "0002.TGA"]) == "tga"
    assert output_format_for(["0001.tif", "0002.tiff", "0003.TIF"]) == "tiff"
    assert output_format_for(["0001.jpg", "0002.jpeg"]) == "png"  # JPEG is never written
    assert output_format_for(["0001.tif", "0002.jpg"]) == "tiff"  # JPEG frames do not vote
    assert output_format_for(["0001.tif", "0002.png"]) == "png"  # a mix of families: PNG
    assert output_format_for([]) == "png"
    assert OUTPUT_SUFFIXES == {"png": ".png", "tga": ".tga", "tiff": ".tif"}
    for fmt, suffix in OUTPUT_SUFFIXES.items():
        assert output_format_for([f"x{suffix}"]) == fmt
