"""paintmatch.io: every PNG mode to RGBA, TGA as PaintMan writes it, bad input, atomic writes, cut folders."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import paintmatch.io
from paintmatch.errors import InputError
from paintmatch.io import (
    MAX_PIXELS,
    atomic_write,
    check_frame_sizes,
    check_same_size,
    find_line_frames,
    frame_order_key,
    image_info,
    is_image_file,
    read_cut,
    read_image,
    write_image,
    write_json,
)

# --------------------------------------------------------------------------------------------------
# Hand-made files (independent of Pillow's writers)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(samples: np.ndarray, color_type: int, depth: int, *, trns: bytes | None = None,
         palette: bytes | None = None, size: tuple[int, int] | None = None) -> bytes:
    """PNG bytes of ``samples`` ((H, W) or (H, W, C), unpacked) with the given colour type and bit depth."""
    height, width = samples.shape[:2]
    if size is not None:
        width, height = size
    if depth == 16:
        rows = [row.astype(">u2").tobytes() for row in samples]
    elif depth == 1:
        rows = [np.packbits(row.astype(np.uint8)).tobytes() for row in samples]
    else:
        rows = [row.astype(np.uint8).tobytes() for row in samples]
    raw = b"".join(b"\x00" + row for row in rows)
    out = _PNG_SIG + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0))
    if palette is not None:
        out += _chunk(b"PLTE", palette)
    if trns is not None:
        out += _chunk(b"tRNS", trns)
    return out + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b"")


_PNG_SIG = b"\x89PNG\r\n\x1a\n"


def _tga_raw(rgba: np.ndarray, bits: int, *, top_down: bool) -> bytes:
    """Uncompressed true-color TGA (image type 2) bytes, 24 or 32 bits per pixel."""
    height, width = rgba.shape[:2]
    descriptor = (8 if bits == 32 else 0) | (0x20 if top_down else 0)
    header = struct.pack("<BBBHHBHHHHBB", 0, 0, 2, 0, 0, 0, 0, 0, width, height, bits, descriptor)
    bgra = rgba[..., [2, 1, 0, 3]] if bits == 32 else rgba[..., [2, 1, 0]]
    rows = bgra if top_down else bgra[::-1]
    return header + np.ascontiguousarray(rows).tobytes()


def _tga_rle_rows(data: bytes) -> tuple[list[np.ndarray], int]:
    """Decode a run-length TGA's packets as stored: rows in file order, each (W, bytes per pixel) uint8.

    Returns the rows and the number of packets that cross a scanline (PaintMan needs 0).
    """
    width, height = struct.unpack("<HH", data[12:16])
    pixel_bytes = data[16] // 8
    pos = 18 + data[0]
    pixels: list[bytes] = []
    crossings = 0
    while len(pixels) < width * height:
        header = data[pos]
        pos += 1
        count = (header & 0x7F) + 1
        start = len(pixels)
        if (start // width) != ((start + count - 1) // width):
            crossings += 1
        if header & 0x80:
            pixels.extend([data[pos:pos + pixel_bytes]] * count)
            pos += pixel_bytes
        else:
            pixels.extend(data[pos + i * pixel_bytes:pos + (i + 1) * pixel_bytes] for i in range(count))
            pos += count * pixel_bytes
    flat = np.frombuffer(b"".join(pixels), np.uint8).reshape(height, width, pixel_bytes)
    return list(flat), crossings


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _noise(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


# --------------------------------------------------------------------------------------------------
# Reading: every PNG mode to the right RGBA values

G16 = np.array([[0, 257 * 10, 65535]], np.uint16)
G8 = np.array([[0, 10, 255]], np.uint8)
OPAQUE = np.full((1, 3, 1), 255, np.uint8)


def _grey_rgba(grey: np.ndarray, alpha: np.ndarray | None = None) -> np.ndarray:
    alpha = np.full(grey.shape, 255, np.uint8) if alpha is None else alpha
    return np.stack([grey, grey, grey, alpha], axis=-1).astype(np.uint8)


PALETTE = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255])
PNG_CASES = {
    "RGBA": (_png(np.array([[[1, 2, 3, 255], [4, 5, 6, 128], [7, 8, 9, 0]]]), 6, 8),
             np.array([[[1, 2, 3, 255], [4, 5, 6, 128], [7, 8, 9, 0]]])),
    "RGB": (_png(np.array([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]), 2, 8),
            np.array([[[1, 2, 3, 255], [4, 5, 6, 255], [7, 8, 9, 255]]])),
    "RGB+tRNS": (_png(np.array([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]), 2, 8, trns=struct.pack(">HHH", 4, 5, 6)),
                 np.array([[[1, 2, 3, 255], [4, 5, 6, 0], [7, 8, 9, 255]]])),
    "L": (_png(G8, 0, 8), _grey_rgba(G8)),
    "L+tRNS": (_png(G8, 0, 8, trns=struct.pack(">H", 10)), _grey_rgba(G8, np.array([[255, 0, 255]]))),
    "LA": (_png(np.stack([G8, np.array([[255, 7, 0]])], -1), 4, 8), _grey_rgba(G8, np.array([[255, 7, 0]]))),
    "1": (_png(np.array([[1, 0, 1]]), 0, 1), _grey_rgba(np.array([[255, 0, 255]]))),
    "P": (_png(np.array([[2, 0, 1]]), 3, 8, palette=PALETTE),
          np.array([[[0, 0, 255, 255], [255, 0, 0, 255], [0, 255, 0, 255]]])),
    "P+tRNS": (_png(np.array([[2, 0, 1]]), 3, 8, palette=PALETTE, trns=bytes([0, 128])),
               np.array([[[0, 0, 255, 255], [255, 0, 0, 0], [0, 255, 0, 128]]])),
    "I;16": (_png(G16, 0, 16), _grey_rgba(G8)),
    "I;16+tRNS": (_png(G16, 0, 16, trns=struct.pack(">H", 65535)), _grey_rgba(G8, np.array([[255, 255, 0]]))),
    "LA;16": (_png(np.stack([G16, G16[:, ::-1]], -1), 4, 16), _grey_rgba(G8, G8[:, ::-1])),
    "RGB;16": (_png(np.stack([G16, G16[:, ::-1], G16], -1), 2, 16),
               np.concatenate([np.stack([G8, G8[:, ::-1], G8], -1), OPAQUE], -1)),
    "RGBA;16": (_png(np.stack([G16, G16[:, ::-1], G16, G16[:, ::-1]], -1), 6, 16),
                np.stack([G8, G8[:, ::-1], G8, G8[:, ::-1]], -1)),
}


@pytest.mark.parametrize("mode", list(PNG_CASES))
def test_every_png_mode_reads_to_rgba(tmp_path, mode):
    data, expected = PNG_CASES[mode]
    path = _write(tmp_path / "frame.png", data)
    rgba = read_image(path)
    assert rgba.dtype == np.uint8 and rgba.shape == (1, 3, 4)
    np.testing.assert_array_equal(rgba, expected)
    assert image_info(path).mode == mode.split("+")[0]


def test_image_info_bits_per_pixel_from_header(tmp_path):
    bits = {"RGBA": 32, "RGB": 24, "L": 8, "LA": 16, "1": 1, "P": 8, "I;16": 16, "LA;16": 32, "RGB;16": 48,
            "RGBA;16": 64}
    for mode, expected in bits.items():
        info = image_info(_write(tmp_path / f"{mode}.png", PNG_CASES[mode][0]))
        assert (info.format, info.width, info.height, info.bits_per_pixel) == ("PNG", 3, 1, expected), mode


def test_transparent_pixels_keep_their_stored_rgb(tmp_path):
    rgba = _noise((8, 9, 4))
    rgba[..., 3] = 0
    rgba[2, 3, 3] = 255
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), rgba)
    write_image(tmp_path / "a.tga", rgba)
    np.testing.assert_array_equal(read_image(tmp_path / "a.tga"), rgba)


@pytest.mark.parametrize("bits", [24, 32])
@pytest.mark.parametrize("top_down", [False, True])
def test_reads_raw_tga_in_both_row_orders(tmp_path, bits, top_down):
    rgba = _noise((5, 7, 4), seed=bits + top_down)
    if bits == 24:
        rgba[..., 3] = 255
    path = _write(tmp_path / "frame.tga", _tga_raw(rgba, bits, top_down=top_down))
    np.testing.assert_array_equal(read_image(path), rgba)
    info = image_info(path)
    assert (info.format, info.width, info.height, info.bits_per_pixel) == ("TGA", 7, 5, bits)


@pytest.mark.parametrize("bits", [24, 32])
@pytest.mark.parametrize("orientation", [-1, 1])
def test_reads_rle_tga_in_both_row_orders(tmp_path, bits, orientation):
    rgba = _noise((6, 9, 4), seed=3)
    rgba[:3, :, :] = (10, 20, 30, 200)  # runs as well as literal packets
    if bits == 24:
        rgba[..., 3] = 255
    mode = "RGBA" if bits == 32 else "RGB"
    path = tmp_path / "frame.tga"
    Image.fromarray(rgba[..., : bits // 8], mode).save(path, rle=True, orientation=orientation)
    assert path.read_bytes()[2] == 10 and bool(path.read_bytes()[17] & 0x20) == (orientation == 1)
    np.testing.assert_array_equal(read_image(path), rgba)


def test_reads_real_line_art(basicpbc):
    rgba = read_image(basicpbc / "laughing_girl" / "line" / "0000.png")
    assert rgba.shape == (1600, 1600, 4) and rgba.dtype == np.uint8
    assert 0 < np.count_nonzero(rgba[..., 3]) < rgba.shape[0] * rgba.shape[1]  # lines on transparency


# --------------------------------------------------------------------------------------------------
# Writing TGA for PaintMan


@pytest.mark.parametrize("bits", [24, 32])
def test_tga_round_trip_keeps_bits_rows_bottom_up_and_scanline_packets(tmp_path, bits):
    height, width = 12, 300  # rows longer than one 128-pixel packet
    rgba = _noise((height, width, 4), seed=bits)
    rgba[:, : width // 2] = (40, 50, 60, 255)  # long runs
    rgba[4:8] = (1, 2, 3, 255)  # whole uniform rows: a run would happily cross the scanline
    rgba[-1, :] = (200, 100, 0, 255)  # the bottom row differs from the top one
    if bits == 24:
        rgba[..., 3] = 255
    path = tmp_path / "out.tga"
    write_image(path, rgba, bits_per_pixel=bits)

    data = path.read_bytes()
    assert data[2] == 10  # run-length true color
    assert data[16] == bits
    assert data[17] & 0x20 == 0  # origin lower-left: rows bottom-up
    assert data[17] & 0x0F == (8 if bits == 32 else 0)  # alpha bits
    rows, crossings = _tga_rle_rows(data)
    assert crossings == 0
    stored = np.stack(rows)[..., [2, 1, 0, 3][: bits // 8]]  # BGR(A) -> RGB(A)
    np.testing.assert_array_equal(stored[0], rgba[-1, :, : bits // 8])  # first stored row is the bottom row
    np.testing.assert_array_equal(stored[::-1], rgba[..., : bits // 8])

    assert image_info(path).bits_per_pixel == bits
    np.testing.assert_array_equal(read_image(path), rgba)


def test_tga_8_bit_grey_round_trip(tmp_path):
    grey = _noise((4, 200))
    grey[:2] = 77
    rgba = _grey_rgba(grey)
    path = tmp_path / "grey.tga"
    write_image(path, rgba, bits_per_pixel=8)
    data = path.read_bytes()
    assert (data[2], data[16], data[17] & 0x20) == (11, 8, 0)
    rows, crossings = _tga_rle_rows(data)
    assert crossings == 0
    np.testing.assert_array_equal(np.stack(rows)[::-1, :, 0], grey)
    np.testing.assert_array_equal(read_image(path), rgba)


def test_write_8_bit_refuses_colors_and_24_bit_composites_on_white(tmp_path):
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = (255, 0, 0, 255)
    with pytest.raises(ValueError, match="bits_per_pixel=24 or 32"):
        write_image(tmp_path / "a.tga", rgba, bits_per_pixel=8)
    assert not list(tmp_path.iterdir())
    rgba[1, 1] = (0, 0, 0, 128)
    write_image(tmp_path / "b.png", rgba, bits_per_pixel=24)
    out = read_image(tmp_path / "b.png")
    assert image_info(tmp_path / "b.png").mode == "RGB"
    np.testing.assert_array_equal(out[..., 3], 255)
    np.testing.assert_array_equal(out[0, 0], (255, 0, 0, 255))
    np.testing.assert_array_equal(out[0, 1], (255, 255, 255, 255))  # transparent -> white paper
    np.testing.assert_array_equal(out[1, 1], (127, 127, 127, 255))


def test_png_round_trip_is_exact(tmp_path):
    rgba = _noise((17, 13, 4))
    write_image(tmp_path / "sub" / "a.png", rgba)  # the folder is created
    np.testing.assert_array_equal(read_image(tmp_path / "sub" / "a.png"), rgba)


@pytest.mark.parametrize("bits, mode", [(8, "L"), (24, "RGB"), (32, "RGBA")])
def test_png_keeps_its_bits_and_channel_order(tmp_path, bits, mode):
    grey = _noise((9, 300))
    rgba = _grey_rgba(grey) if bits == 8 else _noise((9, 300, 4), seed=bits)
    if bits != 32:
        rgba[..., 3] = 255
    rgba[3:6, :150] = rgba[3, 0]  # flat runs, as painted frames have
    path = tmp_path / "a.png"
    write_image(path, rgba, bits_per_pixel=bits)
    assert image_info(path).mode == mode
    np.testing.assert_array_equal(np.asarray(Image.open(path).convert("RGBA")), rgba)  # read by Pillow, not our reader


def test_write_image_argument_errors(tmp_path):
    with pytest.raises(InputError, match=r"\.png, \.tga or \.tif"):
        write_image(tmp_path / "a.jpg", np.zeros((2, 2, 4), np.uint8))
    with pytest.raises(ValueError, match=r"\(H, W, 4\) uint8.*\(2, 2, 3\)"):
        write_image(tmp_path / "a.png", np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(ValueError, match="float"):
        write_image(tmp_path / "a.png", np.zeros((2, 2, 4), np.float32))
    with pytest.raises(ValueError, match="bits_per_pixel"):
        write_image(tmp_path / "a.png", np.zeros((2, 2, 4), np.uint8), bits_per_pixel=16)
    assert not list(tmp_path.iterdir())


# --------------------------------------------------------------------------------------------------
# Bad input


def test_missing_file_and_folder_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_image(tmp_path / "missing.png")
    with pytest.raises(InputError, match="is a folder"):
        read_image(tmp_path)


def test_text_file_named_png_is_input_error(tmp_path):
    path = _write(tmp_path / "notes.png", b"these are not pixels, only words\n" * 3)
    with pytest.raises(InputError, match=r"notes\.png: not a PNG, TGA, TIFF or JPEG image") as error:
        read_image(path)
    assert error.value.exit_code == 2
    assert not is_image_file(path)


@pytest.mark.parametrize("fmt", ["PNG", "TGA"])
def test_truncated_file_is_input_error(tmp_path, fmt):
    path = tmp_path / f"frame.{fmt.lower()}"
    options = {"rle": True} if fmt == "TGA" else {}
    Image.fromarray(_noise((64, 64, 4)), "RGBA").save(path, format=fmt, **options)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert image_info(path).width == 64  # the header is intact: only a full decode finds the damage
    with pytest.raises(InputError, match="truncated or corrupt"):
        read_image(path)


def test_corrupt_png_data_is_input_error(tmp_path):
    data = bytearray(_png(_noise((32, 32, 4)), 6, 8))
    start = data.index(b"IDAT") + 4
    data[start:start + 40] = bytes(40)  # zeroed zlib stream
    path = _write(tmp_path / "bad.png", bytes(data))
    with pytest.raises(InputError, match="bad.png"):
        read_image(path)


def test_image_over_max_pixels_is_refused_before_decoding(tmp_path):
    path = tmp_path / "a.png"
    Image.fromarray(_noise((10, 10, 4)), "RGBA").save(path)
    with pytest.raises(InputError, match=r"10x10 = 100 pixels, over the limit of 99"):
        read_image(path, max_pixels=99)
    assert read_image(path, max_pixels=100).shape == (10, 10, 4)


@pytest.mark.parametrize("fmt", ["PNG", "TGA"])
def test_header_claiming_a_huge_size_is_refused(tmp_path, fmt):
    if fmt == "PNG":  # a decompression bomb's header: 100000 x 100000, a few bytes of data
        data = _png(np.zeros((1, 1), np.uint8), 0, 8, size=(100_000, 100_000))
    else:
        data = struct.pack("<BBBHHBHHHHBB", 0, 0, 10, 0, 0, 0, 0, 0, 65535, 65535, 32, 8) + b"\xff" * 64
    path = _write(tmp_path / f"bomb.{fmt.lower()}", data)
    assert image_info(path).pixels > MAX_PIXELS
    with pytest.raises(InputError, match="decompression bomb"):
        read_image(path)


def test_pillow_bomb_warning_and_error_never_leak(tmp_path, monkeypatch):
    # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; paintmatch's own limit decides.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 40)
    small = tmp_path / "a.png"
    Image.fromarray(_noise((8, 8, 4)), "RGBA").save(small)  # 64 px: Pillow warns (warnings are errors)
    assert read_image(small).shape == (8, 8, 4)
    large = tmp_path / "b.png"
    Image.fromarray(_noise((10, 10, 4)), "RGBA").save(large)  # 100 px: Pillow raises its own error
    with pytest.raises(InputError, match="b.png"):
        read_image(large)


def test_is_image_file_sniffs_content(tmp_path):
    write_image(tmp_path / "a.png", _noise((4, 4, 4)))
    write_image(tmp_path / "b.tga", _noise((4, 4, 4)))
    (tmp_path / "a.png").rename(tmp_path / "a.dat")  # the suffix is not trusted
    assert is_image_file(tmp_path / "a.dat")
    assert is_image_file(tmp_path / "b.tga")
    assert is_image_file((tmp_path / "b.tga").read_bytes())
    assert is_image_file(_tga_raw(_noise((3, 3, 4)), 24, top_down=False))
    assert not is_image_file(_tga_raw(_noise((3, 3, 4)), 24, top_down=False)[:30])  # header, no pixels
    assert not is_image_file(b"\x89PNG\r\n\x1a\n" + bytes(40))
    assert not is_image_file(bytes(1000))
    assert not is_image_file(_noise((1000,)).tobytes())
    assert not is_image_file(tmp_path / "missing.png")
    assert not is_image_file(tmp_path)


# --------------------------------------------------------------------------------------------------
# Atomic writes


def _temp_files(folder: Path) -> list[Path]:
    return [path for path in folder.iterdir() if path.name.endswith(".tmp")]


@pytest.mark.parametrize("suffix", [".png", ".tga"])
def test_failed_write_leaves_existing_file_untouched(tmp_path, monkeypatch, suffix):
    path = tmp_path / f"out{suffix}"
    write_image(path, _noise((6, 6, 4), seed=1))
    before = path.read_bytes()

    def broken_save(self, fp, *args, **kwargs):
        fp.write(b"half a file")
        raise RuntimeError("encoder failed")

    def broken_png(pixels):
        raise RuntimeError("encoder failed")

    # PNG is encoded by OpenCV into memory, then written; TGA by Pillow straight into the temporary file.
    monkeypatch.setattr(Image.Image, "save", broken_save)
    monkeypatch.setattr(paintmatch.io, "encode_png", broken_png)
    with pytest.raises(RuntimeError, match="encoder failed"):
        write_image(path, _noise((6, 6, 4), seed=2))
    assert path.read_bytes() == before
    assert _temp_files(tmp_path) == []


def test_atomic_write_replaces_only_on_success(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old")
    with pytest.raises(KeyError):
        with atomic_write(path, "w") as handle:
            handle.write("new")
            assert path.read_text() == "old"  # not visible before the end
            assert [p.name.startswith(".a.txt.") for p in _temp_files(tmp_path)] == [True]
            raise KeyError("stop")
    assert path.read_text() == "old" and _temp_files(tmp_path) == []
    with atomic_write(path, "w") as handle:
        handle.write("new")
    assert path.read_text() == "new" and _temp_files(tmp_path) == []


def test_atomic_write_gives_new_files_normal_permissions(tmp_path):
    plain = tmp_path / "plain"
    plain.write_bytes(b"x")  # created the usual way: 0o666 minus the umask
    with atomic_write(tmp_path / "atomic", "wb") as handle:
        handle.write(b"x")
    assert (tmp_path / "atomic").stat().st_mode & 0o777 == plain.stat().st_mode & 0o777
    os.chmod(plain, 0o640)
    with atomic_write(plain, "wb") as handle:  # replacing keeps the old file's permissions
        handle.write(b"y")
    assert plain.stat().st_mode & 0o777 == 0o640


def test_atomic_write_unwritable_folder_is_input_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(InputError, match="cannot write"):
        write_image(blocker / "out.png", np.zeros((1, 1, 4), np.uint8))


def test_write_json_numpy_values_and_failure(tmp_path):
    path = tmp_path / "a.json"
    write_json(path, {"id": np.int32(3), "conf": np.float32(0.5), "color": np.array([1, 2, 3], np.uint8),
                      "ok": np.bool_(True), "name": "größe"})
    assert path.read_text(encoding="utf-8") == (
        '{\n  "id": 3,\n  "conf": 0.5,\n  "color": [\n    1,\n    2,\n    3\n  ],\n  "ok": true,\n'
        '  "name": "größe"\n}\n'
    )
    before = path.read_bytes()
    with pytest.raises(TypeError, match="object"):
        write_json(path, {"bad": object()})
    assert path.read_bytes() == before and _temp_files(tmp_path) == []


# --------------------------------------------------------------------------------------------------
# Cut folders


def _make_cut(root: Path, names=("0002", "0000", "0001"), colored=("0000",), size=(5, 4), seg=False) -> Path:
    for name in names:
        write_image(root / "line" / f"{name}.png", np.zeros((size[1], size[0], 4), np.uint8))
    for name in colored:
        write_image(root / "gt" / f"{name}.png", np.full((size[1], size[0], 4), 200, np.uint8))
    if seg:
        write_image(root / "seg" / f"{names[0]}.png", np.zeros((size[1], size[0], 4), np.uint8))
        write_json(root / "seg" / f"{names[0]}.json", {})
    return root


def test_read_cut_lists_frames_sorted(tmp_path):
    root = _make_cut(tmp_path / "cut", seg=True)
    (root / "line" / ".0003.png.x.tmp").write_bytes(b"")  # hidden and temporary files are ignored
    (root / "line" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (root / "line" / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (root / "line" / "old").mkdir()  # sub-folders are not frames
    cut = read_cut(root)
    assert cut.root == root
    assert [p.name for p in cut.line] == ["0000.png", "0001.png", "0002.png"]
    assert cut.names == ["0000", "0001", "0002"]
    assert cut.colored == {"0000": root / "gt" / "0000.png"}
    assert cut.seg == {"0002": root / "seg" / "0002.png"}
    assert cut.line_path("0001") == root / "line" / "0001.png"


def test_read_cut_real_data(basicpbc):
    cut = read_cut(basicpbc / "smoke_explosion")
    assert len(cut.line) == 27 and list(cut.colored) == ["00026"] and cut.seg == {}
    assert read_cut(basicpbc / "laughing_girl").names == ["0000", "0001", "0002", "0003"]


def test_read_cut_missing_folder_and_layout(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_cut(tmp_path / "nope")
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="is a file, not a cut folder"):
        read_cut(tmp_path / "file")
    with pytest.raises(InputError, match="has no line/ folder"):
        read_cut(tmp_path)
    (tmp_path / "line").mkdir()
    with pytest.raises(InputError, match="holds no line frames"):
        read_cut(tmp_path)


def test_read_cut_without_colored_frame_says_what_to_do(tmp_path):
    root = _make_cut(tmp_path / "cut", colored=())
    expected = r"no colored frame.*color one frame first.*suggest-reference.*gt/<name>\.png"
    with pytest.raises(InputError, match=expected):
        read_cut(root)
    (root / "gt").mkdir()
    with pytest.raises(InputError, match="no colored frame"):
        read_cut(root)
    cut = read_cut(root, require_colored=False)  # suggest-reference runs before anything is colored
    assert cut.colored == {} and cut.names == ["0000", "0001", "0002"]


def test_read_cut_colored_frame_without_line_frame(tmp_path):
    root = _make_cut(tmp_path / "cut", colored=("0000", "0009"))
    with pytest.raises(InputError, match=r"gt/0009\.png has no line frame"):
        read_cut(root)


def test_read_cut_duplicate_frame_names(tmp_path):
    root = _make_cut(tmp_path / "cut")
    write_image(root / "line" / "0001.tga", np.zeros((4, 5, 4), np.uint8))
    with pytest.raises(InputError, match=r"two frames named '0001'"):
        read_cut(root)


def test_size_mismatch_names_both_sizes(tmp_path):
    root = _make_cut(tmp_path / "cut")
    write_image(root / "gt" / "0000.png", np.zeros((4, 6, 4), np.uint8))
    with pytest.raises(InputError, match=r"gt/0000\.png is 6x4 but its line frame .*line/0000\.png is 5x4"):
        read_cut(root)
    with pytest.raises(InputError, match="6x4 .* 5x4"):
        check_same_size(root / "line" / "0000.png", root / "gt" / "0000.png")
    assert check_same_size(root / "line" / "0001.png", root / "line" / "0002.png") == (5, 4)


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def test_find_line_frames_expands_folders(tmp_path):
    root = _make_cut(tmp_path / "cut")
    single = root / "line" / "0002.png"
    frames = find_line_frames([single, root / "line", str(root / "line" / "0000.png")])
    assert [p.name for p in frames] == ["0002.png", "0000.png", "0001.png"]
    with pytest.raises(InputError, match="missing.png: no such file"):
        find_line_frames([single, root / "missing.png"])
    with pytest.raises(InputError, match="holds no .png, .tga, .tif or .jpg"):
        find_line_frames([single, _mkdir(tmp_path / "empty")])
    with pytest.raises(InputError, match="no line frames given"):
        find_line_frames([])


def test_frames_numbered_without_padding_come_in_drawing_order(tmp_path):
    # A painter's A1 ... A12 (as a file manager lists them), not A1, A10, A11, A12, A2 (by name).
    names = [f"A{i}" for i in range(1, 13)]
    root = _make_cut(tmp_path / "cut", names=names, colored=["A1"])
    assert read_cut(root).names == names
    assert [p.stem for p in find_line_frames([root / "line"])] == names
    # Zero-padded names keep their order by name; the same number padded or not goes by the name.
    assert sorted(["b0010.png", "b0002.png", "b2.png", "a10.png"], key=frame_order_key) == [
        "a10.png", "b0002.png", "b2.png", "b0010.png"]


def test_a_frame_of_another_size_is_named_before_any_work(tmp_path):
    root = _make_cut(tmp_path / "cut", names=["0000", "0001", "0002", "0003"])
    write_image(root / "line" / "0002.png", np.zeros((8, 10, 4), np.uint8))  # exported at twice the size
    with pytest.raises(InputError, match=r"line frame .*0002\.png is 10x8 but the cut's other frames are 5x4 "
                                         r"\(1 of 4 frames differ\).*export it again at 5x4"):
        read_cut(root)
    assert check_frame_sizes(sorted((root / "line").glob("000[013].png"))) == (5, 4)


def test_a_multi_page_tiff_is_named_not_read_as_its_first_page(tmp_path):
    # A scanner's batch: four drawings in one TIFF. Read as one frame, three would be skipped in silence.
    root = _make_cut(tmp_path / "cut", names=["0000", "0001"])
    pages = [Image.fromarray(np.full((4, 5, 4), value, np.uint8)) for value in (0, 40, 80, 120)]
    pages[0].save(root / "line" / "0002.tif", save_all=True, append_images=pages[1:], compression="tiff_lzw")
    assert image_info(root / "line" / "0002.tif").pages == 4
    assert image_info(root / "line" / "0000.png").pages == 1
    with pytest.raises(InputError, match=r"0002\.tif is a TIFF of 4 pages: .* save each page as a file of its own"):
        read_cut(root)
    (root / "line" / "0002.tif").unlink()
    pages[0].save(root / "gt" / "0001.tif", save_all=True, append_images=pages[1:2])  # the colored frame too
    with pytest.raises(InputError, match=r"0001\.tif is a TIFF of 2 pages"):
        read_cut(root)
    (root / "gt" / "0001.tif").unlink()
    thumbnail = Image.fromarray(np.zeros((2, 2, 4), np.uint8))
    thumbnail.encoderinfo = {"tiffinfo": {254: 1}}  # NewSubfileType: reduced resolution (a scanner's preview)
    pages[0].save(root / "gt" / "0001.tif", save_all=True, append_images=[thumbnail])  # one page and a thumbnail: read
    assert image_info(root / "gt" / "0001.tif").pages == 1 and "0001" in read_cut(root).colored


def test_read_image_reads_one_drawing_per_file(tmp_path):
    # A multi-page TIFF given as a frame anywhere (colorize LINE... --reference, an upload) is refused where it is read.
    pages = [Image.fromarray(np.full((4, 5, 4), value, np.uint8)) for value in (0, 90)]
    pages[0].save(tmp_path / "batch.tif", save_all=True, append_images=pages[1:])
    with pytest.raises(InputError, match=r"batch\.tif is a TIFF of 2 pages"):
        read_image(tmp_path / "batch.tif")
