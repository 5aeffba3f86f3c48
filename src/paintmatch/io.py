"""Read and write frames (PNG, TGA, TIFF; JPEG read only) and cut folders; validate input; write atomically.

Reading always gives an (H, W, 4) uint8 RGBA array, whatever the file's mode. The size of an image is
checked from its header (PNG IHDR, TGA header, TIFF first IFD, JPEG start-of-frame) before any pixel is
decoded, so a decompression bomb is refused cheaply. JPEG line art (a JPEG file, or a TIFF with JPEG
compression) is read with a warning: lossy compression leaves noise near the lines, cleaned up as far as it
can be (``clean_jpeg``); a JPEG colored frame has its paints made flat again (``flatten_jpeg_paint``).
Writing goes to a temporary file in the destination's folder that replaces the destination only once
it is complete and synced: an existing output is never replaced by a half-written or failed one. A
machine's refusal (read-only file system, full disk, permission, quota) is an ``InputError`` that names
the path and the cause in words (``os_error_message``), and leaves no temporary file behind.

PNG is written by OpenCV's libpng (``encode_png``: every row filtered "up", deflated as runs), which writes a
painted frame's flat colors about twice as fast as Pillow; TIFF and TGA by Pillow.
TGA is written the way PaintMan (RETAS) expects it: the source's bits per pixel, rows stored bottom-up
(origin lower-left) and run-length encoded with no packet crossing a scanline. Pillow's TGA writer does
all three (its C encoder is fed one row at a time; ``tests/test_io.py`` parses the packets to prove it),
so no hand-written encoder is needed.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import struct
import tempfile
import warnings
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import IO, Any

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from paintmatch.errors import InputError
from paintmatch.rgba import unpack_rgba

__all__ = [
    "MAX_PIXELS",
    "IMAGE_SUFFIXES",
    "OUTPUT_SUFFIXES",
    "IGNORED_FILE_NAMES",
    "ImageInfo",
    "CutFiles",
    "read_image",
    "image_info",
    "write_image",
    "encode_png",
    "write_json",
    "atomic_write",
    "read_cut",
    "check_same_size",
    "find_line_frames",
    "check_frame_sizes",
    "is_image_file",
    "output_format_for",
    "clean_jpeg",
    "flatten_jpeg_paint",
    "os_error_message",
    "os_input_error",
]

log = logging.getLogger("paintmatch")

MAX_PIXELS = 100_000_000
"""Largest image (width x height) read by default: larger ones are refused as possible decompression bombs."""

IMAGE_SUFFIXES = (".png", ".tga", ".tif", ".tiff", ".jpg", ".jpeg")
"""File suffixes of frames in cut folders (compared case-insensitively)."""

OUTPUT_SUFFIXES = {"png": ".png", "tga": ".tga", "tiff": ".tif"}
"""Output format name (``output_format_for``, ``--format``) -> file suffix ``write_image`` writes it with."""

IGNORED_FILE_NAMES = frozenset({"thumbs.db", "desktop.ini", "ehthumbs.db"})
"""Files that operating systems leave in folders, ignored in ``line/`` and ``gt/`` (compared lower-case)
like every hidden file (a name starting with a dot: ``.DS_Store``, ``._0001.png``, temporary files)."""

_TIFF_SUFFIXES = (".tif", ".tiff")
_JPEG_SUFFIXES = (".jpg", ".jpeg")
# Pillow's names of TIFF's JPEG compressions (7, and the old 6): lossy, read as a JPEG file is.
_TIFF_JPEG_COMPRESSIONS = frozenset({"jpeg", "tiff_jpeg"})

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
_PNG_MODES = {0: "L", 2: "RGB", 3: "P", 4: "LA", 6: "RGBA"}
# TGA image type -> allowed pixel depths (the ones Pillow decodes); type & 8 means run-length encoded.
_TGA_DEPTHS = {1: (8,), 2: (16, 24, 32), 3: (1, 8, 16), 9: (8,), 10: (16, 24, 32), 11: (1, 8, 16)}
_TGA_HEADER = 18
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error, IndexError)


@dataclass(frozen=True)
class ImageInfo:
    """What an image file's header says, read without decoding pixels.

    Attributes
    ----------
    format : str
        ``"PNG"``, ``"TGA"``, ``"TIFF"`` or ``"JPEG"``.
    width, height : int
        Size in pixels.
    mode : str
        Pillow-style name of the stored pixel layout: ``"RGBA"``, ``"RGB"``, ``"L"``, ``"LA"``, ``"P"``,
        ``"1"``, ``"CMYK"``, or ``"I;16"`` (16-bit grey), ``"RGB;16"``, ``"RGBA;16"``, ``"LA;16"`` for 16-bit
        PNG and TIFF; ``"F"`` / ``"I"`` for TIFF of 32-bit float / integer samples (not read).
    bits_per_pixel : int
        Bits stored per pixel (all channels): 8 for grey or palette, 24 for RGB, 32 for RGBA, 64 for 16-bit
        RGBA... Pass it to ``write_image(..., bits_per_pixel=)`` to write an output like its source.
    pages : int
        Full-size images in the file: a multi-page TIFF (a scanner's batch) holds several, of which the first is
        read (reduced-resolution ones, a scanner's thumbnail, not counted); 1 for the other formats.
    """

    format: str
    width: int
    height: int
    mode: str
    bits_per_pixel: int
    pages: int = 1

    @property
    def pixels(self) -> int:
        """``width * height``."""
        return self.width * self.height


@dataclass
class CutFiles:
    """The files of a cut folder in the PaintBucket-Character layout.

    Attributes
    ----------
    root : Path
        The cut folder.
    line : list of Path
        Every line-art frame ``root/line/<name>.png|.tga|.tif|.tiff|.jpg|.jpeg``, sorted by file name.
    colored : dict of str to Path
        Frame name (file stem) -> colored frame ``root/gt/<name>.<any of those>``. Never empty unless read
        with ``read_cut(..., require_colored=False)``.
    seg : dict of str to Path
        Frame name -> ground-truth segment label image ``root/seg/<name>.png`` (empty if there is no
        ``seg/`` folder). For evaluation only.
    """

    root: Path
    line: list[Path]
    colored: dict[str, Path]
    seg: dict[str, Path] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Frame names (line file stems) in order."""
        return [path.stem for path in self.line]

    def line_path(self, name: str) -> Path:
        """The line frame called ``name`` (raises ``KeyError`` if there is none)."""
        for path in self.line:
            if path.stem == name:
                return path
        raise KeyError(name)


# --------------------------------------------------------------------------------------------------
# Header sniffing (no pixel decoding)


def _parse_png_header(head: bytes) -> ImageInfo | None:
    """ImageInfo from the first 33 bytes of a PNG (signature + IHDR), or None if they are not one."""
    if len(head) < 33 or not head.startswith(_PNG_MAGIC) or head[12:16] != b"IHDR":
        return None
    length, = struct.unpack(">I", head[8:12])
    width, height, depth, color_type = struct.unpack(">IIBB", head[16:26])
    if length != 13 or color_type not in _PNG_CHANNELS or depth not in (1, 2, 4, 8, 16):
        return None
    if width == 0 or height == 0:
        return None
    mode = _PNG_MODES[color_type]
    if depth == 16:
        mode = "I;16" if color_type == 0 else f"{mode};16"
    elif depth == 1 and color_type == 0:
        mode = "1"
    return ImageInfo("PNG", width, height, mode, depth * _PNG_CHANNELS[color_type])


def _parse_tga_header(head: bytes) -> ImageInfo | None:
    """ImageInfo from the first 18 bytes of a TGA, or None if they are not a plausible TGA header.

    TGA has no magic number: the header fields must be consistent (known image type, a pixel depth
    that type allows, a colour map exactly when the type needs one, a non-zero size).
    """
    if len(head) < _TGA_HEADER:
        return None
    colormap_type, image_type = head[1], head[2]
    width, height = struct.unpack("<HH", head[12:16])
    depth = head[16]
    if colormap_type not in (0, 1) or image_type not in _TGA_DEPTHS or depth not in _TGA_DEPTHS[image_type]:
        return None
    if (image_type & 7 == 1) != (colormap_type == 1) or width == 0 or height == 0:
        return None
    if colormap_type == 1 and head[7] not in (16, 24, 32):
        return None
    if image_type & 7 == 2:
        mode = "RGB" if depth == 24 else "RGBA"
    elif image_type & 7 == 1:
        mode = "P"
    else:
        mode = {1: "1", 8: "L", 16: "LA"}[depth]
    return ImageInfo("TGA", width, height, mode, depth)


_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # classic TIFF, then BigTIFF
_JPEG_MAGIC = b"\xff\xd8\xff"
# JPEG start-of-frame markers (baseline, progressive, lossless, arithmetic): the ones that carry the size.
_JPEG_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_TIFF_TYPE_SIZES = {1: 1, 3: 2, 4: 4, 16: 8}  # BYTE, SHORT, LONG, LONG8: the integer types of size tags
_TIFF_MAX_ENTRIES = 4096


def _read_at(handle: IO[bytes], offset: int, n: int) -> bytes:
    handle.seek(offset)
    return handle.read(n)


def _parse_tiff_header(handle: IO[bytes]) -> ImageInfo | None:
    """ImageInfo from a TIFF's header and first IFD (the page Pillow reads), or None if they are not one.

    Only the header, the IFD's entries and the BitsPerSample array are read: no strip or tile.
    Classic TIFF (32-bit offsets, 12-byte entries) and BigTIFF (64-bit offsets, 20-byte entries).
    """
    head = _read_at(handle, 0, 16)
    if len(head) < 8 or head[:4] not in _TIFF_MAGIC:
        return None
    order = "<" if head[:2] == b"II" else ">"
    big = head[2:4] in (b"+\x00", b"\x00+")
    if big:  # BigTIFF: offset byte size 8, then a 64-bit offset of the first IFD
        if len(head) < 16 or struct.unpack(order + "HH", head[4:8]) != (8, 0):
            return None
        offset, = struct.unpack(order + "Q", head[8:16])
    else:
        offset, = struct.unpack(order + "I", head[4:8])
    ifd = _tiff_ifd(handle, offset, order, big) if offset >= 8 else None
    if ifd is None:
        return None
    entries, more = ifd
    inline, pointer = (8, "Q") if big else (4, "I")  # an entry's inline value, and an offset
    tags: dict[int, list[int]] = {}
    for tag, kind, n, raw in entries:
        size = _TIFF_TYPE_SIZES.get(kind)
        if size is None or tag not in (256, 257, 258, 262, 277, 338, 339) or not 0 < n <= 64:
            continue
        data = raw if size * n <= inline else _read_at(handle, struct.unpack(order + pointer, raw)[0], size * n)
        if len(data) < size * n:
            return None
        code = {1: "B", 2: "H", 4: "I", 8: "Q"}[size]
        tags[tag] = list(struct.unpack(f"{order}{n}{code}", data[: size * n]))
    if 256 not in tags or 257 not in tags:
        return None
    width, height = tags[256][0], tags[257][0]
    samples = tags.get(277, [1])[0]
    bits = tags.get(258, [1])
    bits = bits * samples if len(bits) == 1 else bits
    photometric = tags.get(262, [1 if samples < 3 else 2])[0]
    if width == 0 or height == 0 or not 0 < samples <= 16 or len(bits) != samples:
        return None
    depth = bits[0]
    wide = ";16" if depth == 16 else ""
    if depth > 16:  # 32-bit integer or float samples (SampleFormat 3): no 8-bit reading is right for all
        mode = "F" if tags.get(339, [1])[0] == 3 else "I"
    elif photometric in (0, 1):  # grey, min-is-white or min-is-black
        mode = "1" if depth == 1 and samples == 1 else ("I;16" if depth == 16 and samples == 1 else "L")
        mode = f"LA{wide}" if samples >= 2 else mode
    elif photometric == 3:
        mode = "P"
    elif photometric == 5:
        mode = "CMYK"
    else:  # RGB, YCbCr, and the rest by their samples
        mode = f"RGBA{wide}" if samples >= 4 else (f"RGB{wide}" if samples == 3 else "L")
    return ImageInfo("TIFF", width, height, mode, sum(bits), 1 + _tiff_pages_after(handle, more, order, big))


#: Pages of a TIFF counted at most (a scanner's batch has far fewer; a longer chain is counted as this many).
_TIFF_MAX_PAGES = 10_000


def _tiff_ifd(handle: IO[bytes], offset: int, order: str, big: bool) -> tuple[list[tuple[int, int, int, bytes]], int] | None:
    """The IFD at ``offset`` of a TIFF of byte ``order`` (classic, or BigTIFF when ``big``): its entries ``(tag, type,
    count, inline value or offset bytes)`` and the next IFD's offset (0: none), reading only the entry table; None
    where it does not fit in the file or holds no entry."""
    count_code, count_size, entry_format, entry_size = ("Q", 8, "HHQ8s", 20) if big else ("H", 2, "HHI4s", 12)
    pointer, pointer_size = ("Q", 8) if big else ("I", 4)
    count_bytes = _read_at(handle, offset, count_size)
    if len(count_bytes) < count_size:
        return None
    count, = struct.unpack(order + count_code, count_bytes)
    if not 0 < count <= _TIFF_MAX_ENTRIES:
        return None
    table = _read_at(handle, offset + count_size, entry_size * count)
    if len(table) < entry_size * count:
        return None
    entries = [struct.unpack(order + entry_format, table[entry_size * i : entry_size * (i + 1)]) for i in range(count)]
    following = _read_at(handle, offset + count_size + entry_size * count, pointer_size)
    more = struct.unpack(order + pointer, following)[0] if len(following) == pointer_size else 0
    return entries, more


def _tiff_pages_after(handle: IO[bytes], offset: int, order: str, big: bool) -> int:
    """Full-size pages in the TIFF's chain of IFDs from ``offset`` on (0: none), reading only their entries.

    An IFD whose NewSubfileType (tag 254) has its reduced-resolution bit is a thumbnail, not a page. A chain that
    loops or runs off the file ends the count.
    """
    pages, seen = 0, set()
    while offset and offset not in seen and len(seen) < _TIFF_MAX_PAGES:
        seen.add(offset)
        ifd = _tiff_ifd(handle, offset, order, big)
        if ifd is None:
            break
        entries, offset = ifd
        subfile = next((struct.unpack(order + "I", raw[:4])[0] for tag, _, _, raw in entries if tag == 254), 0)
        pages += not subfile & 1
    return pages


def _parse_jpeg_header(handle: IO[bytes]) -> ImageInfo | None:
    """ImageInfo from a JPEG's markers up to its start-of-frame segment, or None if they are not one."""
    if _read_at(handle, 0, 3) != _JPEG_MAGIC:
        return None
    position = 2
    while True:
        marker = _read_at(handle, position, 2)
        while len(marker) == 2 and marker == b"\xff\xff":  # fill bytes before a marker
            position += 1
            marker = _read_at(handle, position, 2)
        if len(marker) < 2 or marker[0] != 0xFF:
            return None
        kind = marker[1]
        if kind == 0x01 or 0xD0 <= kind <= 0xD8:  # markers with no segment
            position += 2
            continue
        if kind in (0xD9, 0xDA):  # end of image, or start of scan before any frame header
            return None
        segment = _read_at(handle, position + 2, 8)
        if len(segment) < 2:
            return None
        length, = struct.unpack(">H", segment[:2])
        if length < 2:
            return None
        if kind in _JPEG_SOF:
            if len(segment) < 8:
                return None
            precision, height, width, components = struct.unpack(">BHHB", segment[2:8])
            if width == 0 or height == 0 or components not in (1, 3, 4):
                return None
            mode = {1: "L", 3: "RGB", 4: "CMYK"}[components]
            return ImageInfo("JPEG", width, height, mode, precision * components)
        position += 2 + length


def _sniff(handle: IO[bytes]) -> ImageInfo | None:
    """ImageInfo of a PNG, TIFF, JPEG or TGA by its header (magic numbers first; TGA has none), or None."""
    head = _read_at(handle, 0, 33)
    if head.startswith(_PNG_MAGIC):
        return _parse_png_header(head)
    if head[:4] in _TIFF_MAGIC:
        return _parse_tiff_header(handle)
    if head.startswith(_JPEG_MAGIC):
        return _parse_jpeg_header(handle)
    return _parse_tga_header(head)


def _check_readable(path: Path) -> None:
    if not path.exists():
        if path.is_symlink():
            raise InputError(f"{path}: a link to a file that does not exist; fix or remove the link")
        raise InputError(f"{path}: no such file; check the path (and that the folder is the right one)")
    if path.is_dir():
        raise InputError(
            f"{path}: is a folder, not an image file; give the path of a .png, .tga, .tif or .jpg frame"
        )
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied; make the file readable and try again")


def _sniff_file(path: Path) -> tuple[ImageInfo | None, int]:
    """(ImageInfo or None, file size) of a file, reading only its headers."""
    try:
        with open(path, "rb") as handle:
            return _sniff(handle), os.fstat(handle.fileno()).st_size
    except OSError as error:
        raise InputError(f"{os_error_message(path, error, action='read')}; check the file and try again") from error
    except (struct.error, ValueError, OverflowError):
        return None, 0


def _not_an_image(path: Path) -> InputError:
    return InputError(
        f"{path}: not a PNG, TGA, TIFF or JPEG image (unknown or damaged header); "
        "export the frame as PNG (RGBA, RGB or grey), TGA or TIFF and try again"
    )


def image_info(path: str | os.PathLike[str] | bytes) -> ImageInfo:
    """Format, size, pixel mode and bits per pixel of a PNG, TGA, TIFF or JPEG file, from its header only.

    Parameters
    ----------
    path : str, PathLike or bytes
        The image file, or its content (an upload: check its size before anything decodes it).

    Returns
    -------
    ImageInfo
        Read from the file's header (for TIFF: the header and the first IFD; for JPEG: the markers up to
        the start of frame); no pixel is decoded, so this is cheap even for huge files.

    Raises
    ------
    InputError
        The file is missing, unreadable, or has no PNG, TGA, TIFF or JPEG header.
    """
    if isinstance(path, (bytes, bytearray, memoryview)):
        try:
            info = _sniff(BytesIO(bytes(path)))
        except (struct.error, ValueError, OverflowError):
            info = None
        if info is None:
            raise InputError("the data is not a PNG, TGA, TIFF or JPEG image (unknown or damaged header)")
        return info
    path = Path(path)
    _check_readable(path)
    info, _size = _sniff_file(path)
    if info is None:
        raise _not_an_image(path)
    return info


# --------------------------------------------------------------------------------------------------
# Reading


def _to_rgba(image: Image.Image) -> np.ndarray:
    """(H, W, 4) uint8 RGBA of a loaded Pillow image; 16-bit grey scaled to 8 bits, RGB kept under alpha 0."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        # Pillow's convert() clips 16-bit grey at 255 instead of scaling it: take the high byte, as
        # Pillow does itself for 16-bit RGB(A) PNG.
        values = np.clip(np.asarray(image, dtype=np.int64), 0, 65535)
        grey = (values >> 8).astype(np.uint8)
        alpha = np.full(grey.shape, 255, np.uint8)
        key = image.info.get("transparency")
        if isinstance(key, int):
            alpha[values == key] = 0
        return np.ascontiguousarray(np.stack([grey, grey, grey, alpha], axis=-1))
    rgba = image if image.mode == "RGBA" else image.convert("RGBA")
    return np.array(rgba, dtype=np.uint8)


def clean_jpeg(rgb: np.ndarray, *, tolerance: int = 24) -> np.ndarray:
    """Remove the noise JPEG compression leaves on paper and ink: near-white to white, near-black to black.

    Lossy compression rings around every line (mosquito noise) and smears color (chroma subsampling):
    paper next to a line is no longer white, ink no longer black. Pixels of low chroma (max - min channel
    at most ``tolerance``) within ``tolerance`` of white (luminance) become pure white, those within
    ``tolerance`` of black become pure black. Colors (trace lines, paint) and mid greys are kept as they
    are: a mid grey can be an antialiased line edge, and no point operation can tell its true value.

    Parameters
    ----------
    rgb : (H, W, 3) or (H, W, 4) ndarray of uint8
        Decoded JPEG pixels (alpha, if given, is kept).
    tolerance : int, optional
        Largest distance to pure white / black and largest chroma treated as noise. With 24, a JPEG of
        black-on-white drawings (1-3 px antialiased lines, quality 75) reads 99.9% of its paper pixels
        white and 99.8% of its ink pixels black, against 86% and 44% as decoded (quality 50: 99.6% and
        82%). The line mask of ``paintmatch.segment.line_mask`` cannot change: pixels made white were
        already lighter than its threshold (160) and unsaturated, pixels made black already ink.

    Returns
    -------
    (H, W, 3) or (H, W, 4) ndarray of uint8
        A cleaned copy.

    Examples
    --------
    >>> import numpy as np
    >>> clean_jpeg(np.array([[[250, 252, 249], [9, 3, 6], [200, 30, 30]]], np.uint8)).tolist()
    [[[255, 255, 255], [0, 0, 0], [200, 30, 30]]]
    """
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] not in (3, 4):
        raise ValueError(f"clean_jpeg: rgb must be an (H, W, 3|4) uint8 array, got {getattr(rgb, 'shape', rgb)!r}")
    out = rgb.copy()
    colors = rgb[..., :3]
    high = colors.max(axis=-1)
    low = colors.min(axis=-1)
    grey = (high.astype(np.int16) - low) <= tolerance
    out[..., :3][grey & (low >= 255 - tolerance)] = 255
    out[..., :3][grey & (high <= tolerance)] = 0
    return out


# How far JPEG moves a flat paint, in JPEG's own channels: luma (Y) and chroma (Cb, Cr). JPEG codes chroma at half the
# resolution and with a coarser quantization table than luma, so a saturated paint's chroma moves farther than one
# RGB tolerance allows (`make bench-jpeg`, production-like dev 12 cuts x 3 drawings, truth regions read with their own
# paint at quality 95 / 85 / 70: luma / chroma 6 / 8 98.0% / 95.1% / 92.2%, 6 / 12 98.3% / 95.8% / 93.0%, 6 / 16 98.1% /
# 95.9% / 93.7%, 8 / 12 97.9% / 96.2% / 91.9%, 4 / 12 97.9% / 94.5% / 91.4%; one tolerance of 8 levels for red, green
# and blue with paints of repeated colors only, the 49th session's, 93.6% / 88.8% / 84.1%). Chroma 8, not 12: two
# paints closer than the tolerances are read as one, and at 12 a pale blue and a pale lavender 12 RGB levels apart
# (Y 5, Cb 9, Cr 5) became one paint (tests/test_io_scans.py's six paints).
JPEG_LUMA_TOLERANCE = 6
JPEG_CHROMA_TOLERANCE = 8
# Fewest nearly flat pixels a paint needs (reference_palette's min_area): of its exact color, or, for a paint whose
# decoded colors never repeat (a saturated one: JPEG's chroma noise), within the tolerances of it among the colors no
# paint claimed (12 dev cuts x 1 drawing, quality 85: 17 of 127 paints had no decoded color 4 times among their
# nearly flat pixels and were lost). `benchmarks/jpeg_paint.py --max-references 1`, read right at quality 95 / 85 / 70:
# 97.7% / 94.9% / 92.4% (colors read at 70: 251 for 251 paints) against 95.0% / 90.4% / 86.9% with exact colors only;
# in one pass, most common first and any color with 4 px within the tolerances, 97.8% / 95.0% / 93.0% but 275 colors
# for 251 (a saturated paint's fringe read as a second paint); that pass densest first 95.3% / 93.0% / 90.9% (the
# densest color of a paint sits off its centre).
_JPEG_PAINT_MIN_PIXELS = 4
# A nearly flat pixel's neighbourhood: 3x3 (production-like dev, 3 cuts x 1 drawing, one RGB tolerance of 8: regions
# read right at quality 95 / 85 / 70 94.8% / 91.6% / 84.5% against 91.0% / 84.5% / 79.3% with 5x5, which misses the
# paints of regions a few pixels wide; 3x3 also reads some JPEG ringing beside the lines as paints).
_JPEG_FLAT_WINDOW = 3
# Decoded colors compared with the paints at once (a 3200 px JPEG has ~80k colors: their (colors, paints, 3)
# distances, in slices of this many, take a few tens of MB).
_JPEG_COLORS_AT_ONCE = 16384


def flatten_jpeg_paint(rgba: np.ndarray, *, luma_tolerance: int = JPEG_LUMA_TOLERANCE,
                       chroma_tolerance: int = JPEG_CHROMA_TOLERANCE) -> np.ndarray:
    """Give a JPEG-compressed colored frame its flat paints back.

    JPEG decodes a flat paint to values a level or a few apart from block to block (chroma subsampling,
    rounding) and rings next to every line, while the palette reader (``paintmatch.segment.reference_palette``)
    takes the paints from exactly flat pixels: from a JPEG it would read each paint several times. Colors are
    compared in JPEG's own channels (``_jpeg_channels``: luma Y, chroma Cb and Cr), luma within ``luma_tolerance``
    and chroma within ``chroma_tolerance``, as JPEG moves chroma farther. The paints are the colors of the nearly
    flat pixels (their 3x3 neighbourhood within the tolerances), taken most common first, each one with every
    color within the tolerances of it; then, among the colors left, those with the most nearly flat pixels within
    the tolerances (a saturated paint may never repeat a decoded color). Every pixel within the tolerances of a
    paint becomes that paint (the nearest, on a tie the one taken first), and the others (the blends along the
    lines) stay as decoded. Written by hand: OpenCV's and scikit-image's color quantizers (k-means, median cut)
    take a number of colors, which a painter's frame does not state.

    Parameters
    ----------
    rgba : (H, W, 4) ndarray of uint8
        A decoded JPEG colored frame (alpha is kept as it is).
    luma_tolerance, chroma_tolerance : int, optional
        Largest difference in luma, and in each chroma channel, between a paint and its decoded pixels
        (levels of JPEG's 8-bit Y, Cb, Cr).

    Returns
    -------
    (H, W, 4) ndarray of uint8
        A copy with each paint flat.

    Examples
    --------
    >>> frame = np.full((6, 8, 4), 255, np.uint8)
    >>> frame[:, :4, :3] = (200, 40, 40)
    >>> frame[0, 0, :3], frame[5, 7, :3] = (203, 38, 41), (251, 254, 255)
    >>> flat = flatten_jpeg_paint(frame)
    >>> flat[0, 0, :3].tolist(), flat[5, 7, :3].tolist()
    ([200, 40, 40], [255, 255, 255])
    """
    if not isinstance(rgba, np.ndarray) or rgba.dtype != np.uint8 or rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"flatten_jpeg_paint: rgba must be an (H, W, 4) uint8 array, got {getattr(rgba, 'shape', rgba)!r}")
    rgb = np.ascontiguousarray(rgba[..., :3])
    tolerance = np.array([luma_tolerance, chroma_tolerance, chroma_tolerance], np.int16)
    kernel = np.ones((_JPEG_FLAT_WINDOW, _JPEG_FLAT_WINDOW), np.uint8)
    channels = _jpeg_channels(rgb)
    spread = cv2.dilate(channels, kernel, borderType=cv2.BORDER_REPLICATE).astype(np.int16) - cv2.erode(
        channels, kernel, borderType=cv2.BORDER_REPLICATE)
    nearly_flat = (spread <= tolerance).all(axis=2)
    del spread, channels
    keys = (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]
    flat_colors, flat_counts = np.unique(keys[nearly_flat], return_counts=True)
    flat_channels = _key_jpeg_channels(flat_colors)
    # First the paints whose decoded color repeats (most common first: a paint's centre), then, among the colors
    # left, those whose decoded colors never repeat but lie close together (a saturated paint; the most nearly flat
    # pixels within the tolerances first, counted over the colors left, so a paint's far fringe is not one).
    unclaimed = np.ones(flat_colors.size, dtype=bool)
    paints = _take_paints(flat_channels, flat_counts, unclaimed & (flat_counts >= _JPEG_PAINT_MIN_PIXELS), unclaimed,
                          tolerance)
    support = np.zeros(flat_colors.size, dtype=np.int64)
    support[unclaimed] = _support_within(flat_channels[unclaimed], flat_counts[unclaimed], tolerance)
    rank = support * (int(flat_counts.max(initial=0)) + 1) + flat_counts  # ties: the commoner color
    paints += _take_paints(flat_channels, rank, support >= _JPEG_PAINT_MIN_PIXELS, unclaimed, tolerance)
    out = rgba.copy()
    if not paints:
        return out
    # Each color of the frame is snapped once, through a table over every 24-bit color (np.unique's inverse of a
    # 3200 px frame peaked at 400 MB; the table holds 64 MB).
    present = np.zeros(1 << 24, dtype=bool)
    present[keys] = True
    colors = np.flatnonzero(present).astype(np.uint32)
    del present
    paint_keys = flat_colors[paints]
    paint_channels = flat_channels[paints]
    snapped = colors.copy()
    for start in range(0, colors.size, _JPEG_COLORS_AT_ONCE):
        part = slice(start, start + _JPEG_COLORS_AT_ONCE)
        distance = np.abs(_key_jpeg_channels(colors[part])[:, None, :] - paint_channels[None, :, :])
        within = (distance <= tolerance).all(axis=2)
        # Nearest in units of each channel's tolerance; ties: the paint taken first.
        scaled = (distance * (chroma_tolerance, luma_tolerance, luma_tolerance)).sum(axis=2, dtype=np.int32)
        nearest = np.where(within, scaled, np.iinfo(np.int32).max).argmin(axis=1)
        hit = within[np.arange(distance.shape[0]), nearest]
        snapped[part][hit] = paint_keys[nearest[hit]]
    table = np.zeros(1 << 24, dtype=np.uint32)
    table[colors] = snapped
    keys = table[keys]
    del table
    out[..., 0], out[..., 1], out[..., 2] = keys >> 16, (keys >> 8) & 255, keys & 255
    return out


def _take_paints(channels: np.ndarray, rank: np.ndarray, eligible: np.ndarray, unclaimed: np.ndarray,
                 tolerance: np.ndarray) -> list[int]:
    """Indices of the paints taken greedily: the eligible unclaimed color of highest ``rank``, then every color
    within ``tolerance`` of it claimed (``unclaimed`` (n,) bool is updated in place), until no eligible one is left.
    ``channels`` (n, 3) int16 luma and chroma, ``rank`` (n,), ``eligible`` (n,) bool, ``tolerance`` (3,)."""
    taken: list[int] = []
    free = eligible & unclaimed
    while free.any():
        paint = int(np.argmax(np.where(free, rank, -1)))
        taken.append(paint)
        near = (np.abs(channels - channels[paint]) <= tolerance).all(axis=1)
        unclaimed &= ~near
        free &= ~near
    return taken


def _support_within(channels: np.ndarray, counts: np.ndarray, tolerance: np.ndarray) -> np.ndarray:
    """(n,) int64: for each of ``channels`` (n, 3) int16 colors, the sum of the ``counts`` (n,) of the colors within
    ``tolerance`` (3,) of it in every channel.

    Box sums over a 3-D histogram of every 8-bit (Y, Cr, Cb), read from its summed-area table (8 corners per color):
    a fixed 69 MB, where comparing every pair of a JPEG's tens of thousands of nearly flat colors would take GBs.
    Written by hand: numpy and SciPy have no windowed count over points.
    """
    side = 257  # one row of zeros before each axis: the corner below the first level
    levels = channels.astype(np.intp)
    table = np.zeros((side, side, side), np.int32)
    np.add.at(table, tuple(levels.T + 1), counts.astype(np.int32))
    for axis in range(3):
        np.cumsum(table, axis=axis, out=table)
    low = np.clip(levels - tolerance, 0, side - 1)  # the corner just below the box
    high = np.clip(levels + tolerance + 1, 0, side - 1)
    support = np.zeros(channels.shape[0], np.int64)
    for corner in np.ndindex(2, 2, 2):
        index = tuple(np.where(corner[axis], high[:, axis], low[:, axis]) for axis in range(3))
        support += (-1) ** (3 - sum(corner)) * table[index].astype(np.int64)
    return support


def _jpeg_channels(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 luma Y, chroma Cr and Cb of (..., 3) uint8 RGB: JPEG's (JFIF's) full-range conversion,
    OpenCV's ``COLOR_RGB2YCrCb``."""
    if rgb.size == 0:  # OpenCV refuses an empty image
        return np.zeros(rgb.shape, np.uint8)
    flat = np.ascontiguousarray(rgb).reshape(-1, 1, 3)
    return cv2.cvtColor(flat, cv2.COLOR_RGB2YCrCb).reshape(rgb.shape)


def _key_jpeg_channels(keys: np.ndarray) -> np.ndarray:
    """(n, 3) int16 luma and chroma (``_jpeg_channels``) of 24-bit color keys ``r << 16 | g << 8 | b``
    (``pack_rgba``'s without alpha: 24 bits index a table of every color; the frame's own keys are built channel by
    channel, as ``pack_rgba`` of a 3200 px frame takes twice the memory)."""
    rgb = unpack_rgba(np.asarray(keys, np.uint32) << 8)[:, :3]
    return _jpeg_channels(rgb).astype(np.int16)


def read_image(path: str | os.PathLike[str], *, max_pixels: int = MAX_PIXELS,
               painted: bool = False) -> np.ndarray:
    """Read a PNG, TGA, TIFF or JPEG frame as RGBA.

    Parameters
    ----------
    path : str or PathLike
        A PNG (RGBA, RGB, L, LA, P with or without transparency, 1-bit, 16-bit grey or RGB(A)), TGA (raw or
        run-length encoded, top-down or bottom-up, 8, 16, 24 or 32 bits per pixel), TIFF (1-bit, 8 or 16-bit
        grey, RGB or RGBA; uncompressed, LZW, Deflate, PackBits, CCITT G3/G4 or JPEG compressed: what
        Pillow reads; one page: a multi-page TIFF is an error) or JPEG file (read with a warning, see Notes).
    max_pixels : int, optional
        Largest ``width * height`` accepted; checked from the header before decoding.
    painted : bool, optional
        The file is a colored frame, not line art: a JPEG's (or JPEG-compressed TIFF's) paints are made flat
        again (``flatten_jpeg_paint``) instead of snapping its near-white and near-black pixels (``clean_jpeg``),
        which would turn a pale paint into paper.

    Returns
    -------
    rgba : (H, W, 4) ndarray of uint8
        Red, green, blue, alpha. Images without alpha are opaque (alpha 255) except where a PNG ``tRNS``
        key makes a color transparent. Fully transparent pixels keep the RGB stored in the file.
        16-bit samples are scaled to 8 bits (high byte).

    Raises
    ------
    InputError
        The file is missing or unreadable, is not a PNG, TGA, TIFF or JPEG image, is truncated or corrupt,
        or is larger than ``max_pixels``. The message names the file and what to do.

    Notes
    -----
    JPEG is lossy: it leaves noise near the lines. A JPEG frame, or a TIFF with JPEG compression, is read
    with a warning on the ``paintmatch`` logger, and its near-white and near-black pixels are snapped to white
    and black (``clean_jpeg``); a colored one (``painted``) has its paints made flat instead
    (``flatten_jpeg_paint``). Scan or export line art and colored frames as PNG, or TIFF with lossless
    compression, where possible.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> folder = tempfile.mkdtemp()
    >>> write_image(f"{folder}/a.png", np.zeros((2, 3, 4), np.uint8))
    >>> read_image(f"{folder}/a.png").shape
    (2, 3, 4)
    """
    path = Path(path)
    info = image_info(path)
    _check_one_page(path, info)
    if info.mode in ("F", "I"):
        raise InputError(
            f"{path}: a TIFF of 32-bit {'float' if info.mode == 'F' else 'integer'} samples is not read (their "
            "range is not known); save the scan with 1, 8 or 16 bits per sample"
        )
    if info.pixels > max_pixels:
        raise InputError(
            f"{path}: image is {info.width}x{info.height} = {info.pixels:,} pixels, over the limit of "
            f"{max_pixels:,} (a possible decompression bomb); use a smaller image or raise the pixel limit"
        )
    try:
        # Pillow warns (DecompressionBombWarning) above its own limit of about 89 Mpx and refuses above
        # twice that (DecompressionBombError). paintmatch's own limit, checked above, decides; the
        # warning must not leak to users. (catch_warnings is process-wide: harmless here.)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path, formats=[info.format])
    except Image.DecompressionBombError as error:
        raise InputError(
            f"{path}: image is {info.pixels:,} pixels, over Pillow's safety limit ({error}); "
            "use a smaller image"
        ) from error
    except UnidentifiedImageError as error:
        raise _not_an_image(path) from error
    except _DECODE_ERRORS as error:
        raise InputError(f"{path}: cannot be read ({error}); check the file and export it again") from error
    with image:
        if image.size != (info.width, info.height):
            raise InputError(
                f"{path}: Pillow reads a {image.size[0]}x{image.size[1]} image but its header says "
                f"{info.width}x{info.height}; export the frame again"
            )
        # A TIFF may hold JPEG-compressed strips or tiles (Pillow names TIFF compression 7 "jpeg", the old 6
        # "tiff_jpeg"): as lossy as a JPEG file, read like one.
        lossy = "JPEG" if info.format == "JPEG" else (
            "JPEG compression inside a TIFF" if image.info.get("compression") in _TIFF_JPEG_COMPRESSIONS else None)
        try:
            image.load()  # a full decode: truncation and corrupt data surface here, not later
            rgba = _to_rgba(image)
        except _DECODE_ERRORS as error:
            raise InputError(
                f"{path}: the {info.format} file is truncated or corrupt ({error}); "
                "export the frame again from your paint program"
            ) from error
    if rgba.shape[:2] != (info.height, info.width):  # pragma: no cover - Pillow agrees with the header
        raise InputError(f"{path}: decoded size differs from the header's; export the frame again")
    if lossy and painted:
        log.warning(
            "%s: %s is lossy and shifts a paint by a few levels from place to place; each paint is read within %d "
            "levels of luma and %d of chroma, but a colored frame is read exactly from PNG, or TIFF with lossless "
            "compression (LZW, Deflate)", path, lossy, JPEG_LUMA_TOLERANCE, JPEG_CHROMA_TOLERANCE
        )
        rgba = flatten_jpeg_paint(rgba)
    elif lossy:
        log.warning(
            "%s: %s is lossy and leaves noise near the lines; near-white and near-black pixels are cleaned, "
            "but lines are more reliable scanned or exported as PNG, or TIFF with lossless compression (LZW, "
            "Deflate)", path, lossy
        )
        rgba = clean_jpeg(rgba)
    return rgba


def is_image_file(source: str | os.PathLike[str] | bytes) -> bool:
    """Whether a file (or its bytes) holds a PNG, TGA, TIFF or JPEG image paintmatch can read, by content.

    The suffix is not trusted. PNG is recognised by its signature and IHDR chunk (with its CRC); TIFF by
    its header and first IFD; JPEG by its markers up to the frame header; TGA, which has no magic number,
    by a consistent header, a plausible file size. Pillow must accept it too. Pixels are not decoded, so a
    truncated file can still pass: ``read_image`` has the last word.

    Parameters
    ----------
    source : str, PathLike or bytes
        A file path, or the file's content (e.g. an upload).

    Returns
    -------
    bool
        Never raises for bad content or a missing file: returns False.
    """
    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            opener: Any = BytesIO(data)
            info, size = _sniff(opener), len(data)
            opener.seek(0)
        else:
            path = Path(source)
            if not path.is_file():
                return False
            opener = path
            info, size = _sniff_file(path)
        if info is None:
            return False
        if info.format == "PNG":
            head = data[:33] if isinstance(opener, BytesIO) else _head_of(path)
            if zlib.crc32(head[12:29]) != struct.unpack(">I", head[29:33])[0]:
                return False
        elif info.format == "TGA":
            head = data[:_TGA_HEADER] if isinstance(opener, BytesIO) else _head_of(path)
            colormap_bytes = struct.unpack("<H", head[5:7])[0] * ((head[7] + 7) // 8) if head[1] else 0
            pixel_bytes = (info.bits_per_pixel + 7) // 8
            if head[2] & 8:  # run-length packets: at most 128 pixels each, one header byte + one pixel
                least = -(-info.pixels // 128) * (1 + pixel_bytes)
            else:
                least = info.pixels * pixel_bytes if info.bits_per_pixel >= 8 else -(-info.pixels // 8)
            if size < _TGA_HEADER + head[0] + colormap_bytes + least:
                return False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(opener, formats=[info.format]):
                return True
    except (*_DECODE_ERRORS, Image.DecompressionBombError, InputError):
        return False


def _head_of(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(33)


# --------------------------------------------------------------------------------------------------
# Atomic writing


_OS_CAUSES = {
    errno.EROFS: ("read-only file system", "choose an output folder on a writable disk"),
    errno.ENOSPC: ("no space left on device", "free some space or choose an output folder on another disk"),
    errno.EDQUOT: ("disk quota exceeded", "free some space in your quota or choose another output folder"),
    errno.EACCES: ("permission denied", "make the folder writable for you or choose another one"),
    errno.EPERM: ("permission denied", "make the folder writable for you or choose another one"),
    errno.ENOENT: ("no such file or folder", "check the path"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "check the path"),
    errno.EISDIR: ("is a folder", "give a file path"),
    errno.EEXIST: ("a file of that name is in the way", "move it away or choose another path"),
    errno.ENAMETOOLONG: ("file name too long", "use a shorter name or path"),
    errno.EFBIG: ("file too large for the file system", "choose an output folder on another disk"),
    errno.EIO: ("input/output error on the disk", "check the disk (and its connection) and try again"),
    errno.EMFILE: ("too many open files", "close other programs or raise the open-file limit (ulimit -n)"),
}


def os_error_message(path: str | os.PathLike[str], error: OSError, *, action: str = "write") -> str:
    """A message for an ``OSError`` the machine gave while reading or writing ``path``: path, cause, advice.

    Use it wherever an ``OSError`` from the file system becomes an ``InputError`` (exit code 2), so that
    every such message reads the same.

    Parameters
    ----------
    path : str or PathLike
        The file or folder the operation was on (named in the message; ``error.filename`` is not used,
        it is often a temporary file's).
    error : OSError
        The error raised.
    action : str, optional
        What was being done, as a verb: ``"write"`` (default), ``"read"``, ``"create"``...

    Returns
    -------
    str
        ``"cannot write OUT/0001.png: no space left on device; free some space or ..."``. Raise it as
        ``InputError(message) from error``.

    Examples
    --------
    >>> import errno
    >>> os_error_message("out/a.png", OSError(errno.EROFS, "Read-only file system"))
    'cannot write out/a.png: read-only file system; choose an output folder on a writable disk'
    """
    cause = _OS_CAUSES.get(error.errno) if error.errno is not None else None
    if cause is None:
        text = error.strerror or str(error) or type(error).__name__
        return f"cannot {action} {os.fspath(path)}: {text[:1].lower() + text[1:]}"
    words, advice = cause
    return f"cannot {action} {os.fspath(path)}: {words}; {advice}"


def os_input_error(path: str | os.PathLike[str], error: OSError, *, action: str = "write") -> InputError:
    """``InputError`` (exit code 2) for an ``OSError`` of the file system: ``os_error_message`` of ``path``; raise it ``from None``."""
    return InputError(os_error_message(path, error, action=action))


def _new_file_mode(path: Path) -> int:
    """Permission bits for the file replacing ``path``: its current ones, else 0o666 minus the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        pass
    umask = None
    try:  # Linux tells the umask without changing it
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                umask = int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    if umask is None:
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """Write a file all at once: to a temporary file beside it, then, on success, rename it over ``path``.

    The temporary file (``.<name>.<random>.tmp`` in the destination's folder, created with the folder if
    needed) is flushed and fsynced, then ``os.replace``-d onto ``path``: readers see the old file or the
    complete new one, never a part. If the ``with`` body raises, the temporary file is removed and
    ``path`` is left exactly as it was.

    Parameters
    ----------
    path : str or PathLike
        Destination file.
    mode : {"wb", "w"}
        Binary, or text (UTF-8).

    Yields
    ------
    file object
        Open for writing.

    Raises
    ------
    InputError
        The destination folder cannot be created or written to, or the machine refuses the write (an
        ``OSError`` with an errno, in the body too: read-only file system, no space left, permission
        denied, quota exceeded). The message names ``path`` and the cause (``os_error_message``); the
        temporary file is removed and ``path`` is unchanged.

    Examples
    --------
    >>> import tempfile
    >>> target = f"{tempfile.mkdtemp()}/notes.txt"
    >>> with atomic_write(target, "w") as handle:
    ...     _ = handle.write("done")
    >>> open(target).read()
    'done'
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write: mode must be 'wb' or 'w', got {mode!r}")
    path = Path(path)
    folder = path.parent
    file_mode = _new_file_mode(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot write {path}: {os_error_message(folder, error, action='create folder')}") from error
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise os_input_error(path, error) from error
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": "\n"})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, file_mode)
        os.replace(tmp, path)
    except BaseException as error:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:  # pragma: no cover - the folder took the file but will not let it go
            pass
        # An OSError with an errno is the machine's (disk full, read-only, permission), not a bug: name
        # the path and the cause. Errors without one (Pillow's encoder, the caller's own) pass unchanged.
        if isinstance(error, OSError) and error.errno is not None:
            raise os_input_error(path, error) from error
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable where the platform allows opening a folder (POSIX)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"write_json: cannot store a {type(value).__name__} in JSON")


def write_json(path: str | os.PathLike[str], obj: Any, *, indent: int | None = 2) -> None:
    """Write ``obj`` as UTF-8 JSON, atomically (see ``atomic_write``).

    NumPy scalars and arrays and paths are converted to plain JSON values. ``obj`` is serialised before
    the file is opened, so a value that cannot be stored leaves no file behind.

    Parameters
    ----------
    path : str or PathLike
        Destination ``.json`` file.
    obj : object
        JSON-serialisable data (dicts, lists, str, numbers, bool, None, NumPy values).
    indent : int or None, optional
        Indentation; None for one compact line.
    """
    text = json.dumps(obj, indent=indent, ensure_ascii=False, default=_json_default) + "\n"
    with atomic_write(path, "w") as handle:
        handle.write(text)


def _composite_on_white(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8: RGB over white paper where alpha < 255 (formats with no alpha channel)."""
    rgb = rgba[..., :3]
    alpha = rgba[..., 3:]
    if (alpha == 255).all():
        return np.ascontiguousarray(rgb)
    blended = (rgb.astype(np.uint16) * alpha + 255 * (255 - alpha.astype(np.uint16)) + 127) // 255
    return blended.astype(np.uint8)


# A painted 1600 px frame of laughing_girl (2026-12-06, 7 runs each): every row filtered "up" (flat colors repeat
# from row to row) and deflated as runs: 25 ms, 78 KB; Pillow at zlib level 3 with its per-row filter choice: 62 ms,
# 93 KB (level 6: 81 ms, 48 KB); OpenCV's defaults: 75 ms.
_PNG_PARAMS = [cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP,
               cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE, cv2.IMWRITE_PNG_COMPRESSION, 1]


def encode_png(pixels: np.ndarray) -> bytes:
    """PNG bytes of (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA uint8 pixels: lossless and fast.

    ``write_image`` writes every PNG frame with it, and the review page sends its views with it.
    """
    if pixels.ndim == 3:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGBA2BGRA if pixels.shape[2] == 4 else cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".png", pixels, _PNG_PARAMS)
    if not ok:  # OpenCV reports no cause; a uint8 array of these shapes always encodes
        raise ValueError(f"PNG encoding failed for pixels of shape {pixels.shape}")
    return encoded.tobytes()


def write_image(
    path: str | os.PathLike[str], rgba: np.ndarray, *, bits_per_pixel: int | None = None
) -> None:
    """Write an RGBA frame as PNG, TGA or TIFF (by the suffix of ``path``), atomically.

    Parameters
    ----------
    path : str or PathLike
        Destination ending in ``.png``, ``.tga``, ``.tif`` or ``.tiff`` (any case). Its folder is created
        if needed. JPEG is never written (it would blend the flat colors).
    rgba : (H, W, 4) ndarray of uint8
        The frame.
    bits_per_pixel : {None, 32, 24, 8}, optional
        32 (the default, None): RGBA. 24: RGB, pixels that are not opaque composited over white (the
        format has no alpha). 8: grey, only for frames whose pixels are grey after that compositing. Pass
        the source's ``image_info(...).bits_per_pixel`` to write an output like its input.

    Raises
    ------
    InputError
        The suffix is not .png, .tga, .tif or .tiff, or the folder cannot be written (read-only, full,
        permission: the message names the path and the cause; nothing is left behind).
    ValueError
        ``rgba`` is not an (H, W, 4) uint8 array, ``bits_per_pixel`` is not 8, 24 or 32, or 8 was asked for
        a frame with colors.

    Notes
    -----
    TGA is written for PaintMan: run-length encoded (image type 10, 11 for grey), rows bottom-up
    (descriptor bit 5 clear), no run-length packet crossing a scanline, alpha depth 8 in the descriptor
    for 32 bits per pixel. TIFF is LZW compressed (lossless; read by OpenToonz, RETAS, Photoshop, Clip
    Studio), RGBA with unassociated alpha. The destination is replaced only by a complete, synced file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".tga", *_TIFF_SUFFIXES):
        raise InputError(
            f"cannot write {path}: unknown image type {path.suffix!r}; name the output .png, .tga or .tif"
        )
    if not isinstance(rgba, np.ndarray) or rgba.dtype != np.uint8 or rgba.ndim != 3 or rgba.shape[2] != 4:
        shape = getattr(rgba, "shape", None)
        dtype = getattr(rgba, "dtype", type(rgba).__name__)
        raise ValueError(
            f"write_image: rgba must be an (H, W, 4) uint8 array, got shape {shape} dtype {dtype}"
        )
    bits = 32 if bits_per_pixel is None else bits_per_pixel
    if bits == 32:
        pixels, mode = np.ascontiguousarray(rgba), "RGBA"
    elif bits == 24:
        pixels, mode = _composite_on_white(rgba), "RGB"
    elif bits == 8:
        rgb = _composite_on_white(rgba)
        if not ((rgb[..., 0] == rgb[..., 1]) & (rgb[..., 1] == rgb[..., 2])).all():
            raise ValueError(
                f"write_image: {path} has colors and cannot be written with 8 bits per pixel (grey); "
                "use bits_per_pixel=24 or 32"
            )
        pixels, mode = np.ascontiguousarray(rgb[..., 0]), "L"
    else:
        raise ValueError(f"write_image: bits_per_pixel must be None, 8, 24 or 32, got {bits_per_pixel!r}")
    with atomic_write(path, "wb") as handle:
        if suffix == ".png":
            handle.write(encode_png(pixels))
        elif suffix in _TIFF_SUFFIXES:
            # libtiff writes to the file descriptor itself, past Python's file object, and reports a full
            # disk as a bare "encoder error": encode in memory, then write through the file object, so a
            # full disk is an OSError with its errno like for PNG and TGA.
            buffer = BytesIO()
            Image.fromarray(pixels, mode).save(buffer, format="TIFF", compression="tiff_lzw")
            handle.write(buffer.getbuffer())
        else:
            # orientation -1: bottom-up rows; Pillow's RLE encoder never lets a packet cross a scanline.
            Image.fromarray(pixels, mode).save(handle, format="TGA", rle=True, orientation=-1)


# --------------------------------------------------------------------------------------------------
# Cut folders and frame lists


def _is_ignored(name: str) -> bool:
    """Hidden files (``.DS_Store``, ``._0001.png``, temporary files) and the operating system's own."""
    return name.startswith(".") or name.lower() in IGNORED_FILE_NAMES


_DIGIT_RUNS = re.compile(r"(\d+)")


def frame_order_key(name: str) -> tuple:
    """The sort key that puts frame files in drawing order, as a file manager shows them: runs of digits compare as
    numbers, so ``A2.tga`` comes before ``A10.tga`` and frames numbered without zero padding (``1.png`` ... ``12.png``)
    propagate in order; zero-padded names (``0001.png``) sort as by name. Ties (``A01``, ``A1``) go by the name itself.

    Written here: a key of a few lines, not worth a dependency (``natsort`` does more than frames need).

    Examples
    --------
    >>> sorted(["10.png", "2.png", "1.png", "A10.tga", "A2.tga", "A02.tga"], key=frame_order_key)
    ['1.png', '2.png', '10.png', 'A02.tga', 'A2.tga', 'A10.tga']
    """
    # re.split with a group alternates text and digits, text first: numbers meet numbers, text meets text.
    parts = _DIGIT_RUNS.split(name)
    return tuple(int(part) if i % 2 else part for i, part in enumerate(parts)) + (name,)


def _image_files(folder: Path, *, strict: bool = False) -> list[Path]:
    """The frame files (``IMAGE_SUFFIXES``) in ``folder`` in drawing order (``frame_order_key``); hidden and OS files
    skipped.

    With ``strict``, any other file (one the run could not read: ``0004.psd``, ``notes.txt``), a link
    to nothing, or an unreadable entry is an ``InputError`` naming it, so that no frame is ever skipped
    in silence. Sub-folders are not frames and are passed over.
    """
    try:
        entries = sorted(folder.iterdir(), key=lambda entry: frame_order_key(entry.name))
    except OSError as error:
        raise os_input_error(folder, error, action="list") from error
    files = []
    for entry in entries:
        if _is_ignored(entry.name):
            continue
        supported = entry.suffix.lower() in IMAGE_SUFFIXES
        if entry.is_file():
            if supported:
                files.append(entry)
                continue
            if not strict:
                continue
            raise InputError(
                f"{entry}: not a frame paintmatch can read (it reads {', '.join(IMAGE_SUFFIXES)}); "
                f"export it as PNG or TIFF, or move it out of {folder} (only hidden files such as "
                ".DS_Store, and Thumbs.db and desktop.ini, are ignored)"
            )
        if strict and not entry.is_dir():
            if entry.is_symlink() and not entry.exists():
                raise InputError(f"{entry}: a link to a file that does not exist; fix or remove the link")
            raise InputError(f"{entry}: not a regular file; move it out of {folder}")
    return files


def _by_stem(files: Sequence[Path], folder: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in files:
        if path.stem in out:
            raise InputError(
                f"{folder} holds two frames named {path.stem!r} ({out[path.stem].name} and {path.name}); "
                "keep one of them"
            )
        out[path.stem] = path
    return out


def _check_one_page(path: str | os.PathLike[str], info: ImageInfo) -> None:
    """A frame file holds one drawing: a multi-page TIFF (a scanner's batch) would be read as its first page only."""
    if info.pages > 1:
        path = Path(path)
        raise InputError(
            f"{path} is a TIFF of {info.pages} pages: paintmatch reads one drawing per file, and would color its first "
            f"page only; save each page as a file of its own in {path.parent} (ImageMagick: "
            f"magick {path.name} {path.stem}_%04d.tif)"
        )


def check_frame_sizes(line_paths: Sequence[str | os.PathLike[str]]) -> tuple[int, int]:
    """Check that the line frames of a cut have one size (from the headers; no decoding), before any work.

    Returns
    -------
    (width, height) : tuple of int
        The common size (the most common one, when the error names the others).

    Raises
    ------
    InputError
        A frame is unreadable, holds several pages (a multi-page TIFF: only its first would be read), or its size
        differs from the cut's: the message names the first such frame, its size and the others', and says what to do
        (a cut colored for minutes would otherwise stop at that frame).
    """
    infos = [image_info(path) for path in line_paths]
    for path, info in zip(line_paths, infos):
        _check_one_page(path, info)
    sizes = [(info.width, info.height) for info in infos]
    common = max(sizes, key=sizes.count)  # on a tie, the first frame's size
    odd = [path for path, size in zip(line_paths, sizes) if size != common]
    if odd:
        size = sizes[list(line_paths).index(odd[0])]
        raise InputError(
            f"line frame {odd[0]} is {size[0]}x{size[1]} but the cut's other frames are {common[0]}x{common[1]} "
            f"({len(odd)} of {len(sizes)} frames differ): every frame of a cut must have the same size; export it "
            f"again at {common[0]}x{common[1]}, or move it to a cut of its own"
        )
    return common


def check_same_size(
    line_path: str | os.PathLike[str], colored_path: str | os.PathLike[str]
) -> tuple[int, int]:
    """Check that a colored frame has its line frame's size (from the headers; no decoding).

    Parameters
    ----------
    line_path, colored_path : str or PathLike
        The line-art frame and the colored frame made from it.

    Returns
    -------
    (width, height) : tuple of int
        The common size.

    Raises
    ------
    InputError
        Either file is unreadable, or their sizes differ (the message gives both).
    """
    line = image_info(line_path)
    colored = image_info(colored_path)
    _check_one_page(colored_path, colored)
    if (line.width, line.height) != (colored.width, colored.height):
        raise InputError(
            f"colored frame {colored_path} is {colored.width}x{colored.height} but its line frame "
            f"{line_path} is {line.width}x{line.height}; a colored frame must have its line frame's size: "
            f"export it again at {line.width}x{line.height}"
        )
    return line.width, line.height


def read_cut(path: str | os.PathLike[str], *, require_colored: bool = True) -> CutFiles:
    """List and validate the files of a cut folder (PaintBucket-Character layout).

    ::

        CUT/line/<name>.png|.tga|.tif|.tiff|.jpg|.jpeg   every frame's line art
        CUT/gt/<name>.png|...      one or more colored frames, named and sized like their line frame
        CUT/seg/<name>.png         optional ground-truth segment labels (evaluation only)

    Hidden files (``.DS_Store``, names starting with a dot) and ``Thumbs.db``/``desktop.ini`` are
    ignored; any other file in ``line/`` that is not a frame paintmatch reads is an error that names it
    (never skipped in silence). Every line frame's header is checked (no pixel is decoded).

    Parameters
    ----------
    path : str or PathLike
        The cut folder.
    require_colored : bool
        Raise if there is no colored frame (``False`` for ``suggest-reference``, which runs before
        anything is colored).

    Returns
    -------
    CutFiles
        The frames, sorted by name. Only headers are read (sizes); no pixel is decoded.

    Raises
    ------
    InputError
        The folder is missing, has no ``line/`` folder or no line frame in it, ``line/`` holds a file that
        is not a readable frame, has no colored frame, has a colored frame with no line frame of the same
        name or of a different size, or holds two frames of the same name (``0001.png`` and ``0001.tga``).
    """
    root = Path(path)
    if not root.exists():
        raise InputError(f"cut folder {root} does not exist; give the folder that holds line/ and gt/")
    if not root.is_dir():
        raise InputError(
            f"{root} is a file, not a cut folder; give the folder that holds line/ and gt/, or color single "
            "frames with `paintmatch colorize LINE... --reference COLOR.png`"
        )
    line_dir = root / "line"
    if not line_dir.is_dir():
        raise InputError(
            f"{root} has no line/ folder; a cut folder holds line/<frame>.png (line art) and gt/<frame>.png "
            "(colored frames)"
        )
    line = _image_files(line_dir, strict=True)
    if not line:
        raise InputError(
            f"{line_dir} holds no line frames; put the cut's line art there as .png, .tga, .tif or .jpg files"
        )
    line_by_name = _by_stem(line, line_dir)
    check_frame_sizes(line)  # an unreadable frame, or one of another size, is named now, before any work
    gt_dir = root / "gt"
    colored = _by_stem(_image_files(gt_dir), gt_dir) if gt_dir.is_dir() else {}
    if not colored and require_colored:
        raise InputError(
            f"{root} has no colored frame in gt/: color one frame first, e.g. the one "
            f"`paintmatch suggest-reference {root}` names, and save it as {gt_dir}/<name>.png"
        )
    for name, colored_path in colored.items():
        if name not in line_by_name:
            raise InputError(
                f"colored frame {colored_path} has no line frame {line_dir / name}.png; "
                "name each colored frame like the line frame it was painted from"
            )
        check_same_size(line_by_name[name], colored_path)
    seg_dir = root / "seg"
    seg: dict[str, Path] = {}
    if seg_dir.is_dir():
        seg = {entry.stem: entry for entry in _image_files(seg_dir) if entry.suffix.lower() == ".png"}
    return CutFiles(root=root, line=line, colored=colored, seg=seg)


def find_line_frames(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Expand the ``LINE...`` arguments of ``paintmatch colorize LINE... --reference COLOR``.

    Parameters
    ----------
    paths : sequence of str or PathLike
        Files, or folders (replaced by their frame files in drawing order: ``IMAGE_SUFFIXES``,
        ``frame_order_key``; hidden and OS files ignored, any other file an error).

    Returns
    -------
    list of Path
        In the order given, each file once.

    Raises
    ------
    InputError
        Nothing given, a path does not exist, or a folder holds no frame or a file that is not one.
    """
    if not paths:
        raise InputError("no line frames given; name the line-art files (or a folder of them) to color")
    frames: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = _image_files(path, strict=True)
            if not found:
                raise InputError(
                    f"{path} holds no .png, .tga, .tif or .jpg line frames; give line-art files or their folder"
                )
        elif path.is_file():
            found = [path]
        else:
            raise InputError(f"{path}: no such file or folder; check the path")
        for frame in found:
            key = frame.resolve()
            if key not in seen:
                seen.add(key)
                frames.append(frame)
    return frames


def output_format_for(line_paths: Sequence[str | os.PathLike[str]]) -> str:
    """The output format that keeps a cut's input format family where it is lossless.

    Parameters
    ----------
    line_paths : sequence of str or PathLike
        The line frames of the run (``CutFiles.line``, or ``find_line_frames(...)``), judged by suffix.

    Returns
    -------
    {"png", "tga", "tiff"}
        ``"tga"`` when every lossless line frame is TGA, ``"tiff"`` when every one is TIFF, otherwise
        ``"png"`` (PNG input, a mix of families, or JPEG only: JPEG is lossy and never written, its frames
        give PNG). JPEG frames do not vote. Write frames as ``<name>`` + ``OUTPUT_SUFFIXES[format]`` with
        ``write_image``; a ``--format`` the user gives wins over this.

    Examples
    --------
    >>> output_format_for(["line/0001.tif", "line/0002.TIFF"]), output_format_for(["a.jpg", "b.png"])
    ('tiff', 'png')
    >>> output_format_for(["a.tga", "b.jpg"]), output_format_for(["a.jpeg"])
    ('tga', 'png')
    """
    families = set()
    for raw in line_paths:
        suffix = Path(raw).suffix.lower()
        if suffix in _JPEG_SUFFIXES:
            continue
        families.add("tiff" if suffix in _TIFF_SUFFIXES else "tga" if suffix == ".tga" else "png")
    return families.pop() if len(families) == 1 else "png"
