"""Read and write frames (PNG, TGA) and cut folders; validate user input; write outputs atomically.

Reading always gives an (H, W, 4) uint8 RGBA array, whatever the file's mode. The size of an image is
checked from its header before any pixel is decoded, so a decompression bomb is refused cheaply.
Writing goes to a temporary file in the destination's folder that replaces the destination only once
it is complete and synced: an existing output is never replaced by a half-written or failed one.

TGA is written the way PaintMan (RETAS) expects it: the source's bits per pixel, rows stored bottom-up
(origin lower-left) and run-length encoded with no packet crossing a scanline. Pillow's TGA writer does
all three (its C encoder is fed one row at a time; ``tests/test_io.py`` parses the packets to prove it),
so no hand-written encoder is needed.
"""

from __future__ import annotations

import json
import os
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

import numpy as np
from PIL import Image, UnidentifiedImageError

from paintmatch.errors import InputError

__all__ = [
    "MAX_PIXELS",
    "IMAGE_SUFFIXES",
    "ImageInfo",
    "CutFiles",
    "read_image",
    "image_info",
    "write_image",
    "write_json",
    "atomic_write",
    "read_cut",
    "check_same_size",
    "find_line_frames",
    "is_image_file",
]

MAX_PIXELS = 100_000_000
"""Largest image (width x height) read by default: larger ones are refused as possible decompression bombs."""

IMAGE_SUFFIXES = (".png", ".tga")
"""File suffixes of frames in cut folders (compared case-insensitively)."""

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
        ``"PNG"`` or ``"TGA"``.
    width, height : int
        Size in pixels.
    mode : str
        Pillow-style name of the stored pixel layout: ``"RGBA"``, ``"RGB"``, ``"L"``, ``"LA"``, ``"P"``,
        ``"1"``, or ``"I;16"`` (16-bit grey), ``"RGB;16"``, ``"RGBA;16"``, ``"LA;16"`` for 16-bit PNG.
    bits_per_pixel : int
        Bits stored per pixel (all channels): 8 for grey or palette, 24 for RGB, 32 for RGBA, 64 for 16-bit
        RGBA... Pass it to ``write_image(..., bits_per_pixel=)`` to write an output like its source.
    """

    format: str
    width: int
    height: int
    mode: str
    bits_per_pixel: int

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
        Every line-art frame ``root/line/<name>.png|.tga``, sorted by file name.
    colored : dict of str to Path
        Frame name (file stem) -> colored frame ``root/gt/<name>.png|.tga``. Never empty unless read
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


def _parse_header(head: bytes) -> ImageInfo | None:
    """ImageInfo of PNG or TGA header bytes (PNG by its magic number first), or None."""
    if head.startswith(_PNG_MAGIC):
        return _parse_png_header(head)
    return _parse_tga_header(head)


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path (and that the folder is the right one)")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not an image file; give the path of a .png or .tga frame")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied; make the file readable and try again")


def _read_head(path: Path, n: int = 33) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(n)
    except OSError as error:
        raise InputError(
            f"{path}: cannot be read ({error.strerror or error}); check the file and try again"
        ) from error


def _not_an_image(path: Path) -> InputError:
    return InputError(
        f"{path}: not a PNG or TGA image (unknown or damaged header); "
        "export the frame as PNG (RGBA, RGB or grey) or TGA and try again"
    )


def image_info(path: str | os.PathLike[str]) -> ImageInfo:
    """Format, size, pixel mode and bits per pixel of a PNG or TGA file, from its header only.

    Parameters
    ----------
    path : str or PathLike
        The image file.

    Returns
    -------
    ImageInfo
        Read from the first bytes of the file; no pixel is decoded, so this is cheap even for huge files.

    Raises
    ------
    InputError
        The file is missing, unreadable, or has no PNG or TGA header.
    """
    path = Path(path)
    _check_readable(path)
    info = _parse_header(_read_head(path))
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


def read_image(path: str | os.PathLike[str], *, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Read a PNG or TGA frame as RGBA.

    Parameters
    ----------
    path : str or PathLike
        A PNG (RGBA, RGB, L, LA, P with or without transparency, 1-bit, 16-bit grey or RGB(A)) or TGA file
        (raw or run-length encoded, top-down or bottom-up, 8, 16, 24 or 32 bits per pixel).
    max_pixels : int, optional
        Largest ``width * height`` accepted; checked from the header before decoding.

    Returns
    -------
    rgba : (H, W, 4) ndarray of uint8
        Red, green, blue, alpha. Images without alpha are opaque (alpha 255) except where a PNG ``tRNS``
        key makes a color transparent. Fully transparent pixels keep the RGB stored in the file.
        16-bit samples are scaled to 8 bits (high byte).

    Raises
    ------
    InputError
        The file is missing or unreadable, is not a PNG or TGA image, is truncated or corrupt, or is larger
        than ``max_pixels``. The message names the file and what to do.

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
    return rgba


def is_image_file(source: str | os.PathLike[str] | bytes) -> bool:
    """Whether a file (or its bytes) holds a PNG or TGA image that paintmatch can read, by its content.

    The suffix is not trusted. PNG is recognised by its signature and IHDR chunk (with its CRC); TGA,
    which has no magic number, by a consistent header, a plausible file size and Pillow accepting it.
    Pixels are not decoded, so a truncated file can still pass: ``read_image`` has the last word.

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
            head, size, opener = data[:33], len(data), BytesIO(data)
        else:
            path = Path(source)
            if not path.is_file():
                return False
            head, size, opener = _read_head(path), path.stat().st_size, path
        info = _parse_header(head)
        if info is None:
            return False
        if info.format == "PNG":
            if zlib.crc32(head[12:29]) != struct.unpack(">I", head[29:33])[0]:
                return False
        else:
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


# --------------------------------------------------------------------------------------------------
# Atomic writing


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
        The destination folder cannot be created or written to.

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
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise InputError(
            f"cannot write {path}: {error.strerror or error}; "
            f"check that {folder} is a folder you can write to"
        ) from error
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": "\n"})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, file_mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
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


def write_image(
    path: str | os.PathLike[str], rgba: np.ndarray, *, bits_per_pixel: int | None = None
) -> None:
    """Write an RGBA frame as PNG or TGA (by the suffix of ``path``), atomically.

    Parameters
    ----------
    path : str or PathLike
        Destination ending in ``.png`` or ``.tga`` (any case). Its folder is created if needed.
    rgba : (H, W, 4) ndarray of uint8
        The frame.
    bits_per_pixel : {None, 32, 24, 8}, optional
        32 (the default, None): RGBA. 24: RGB, pixels that are not opaque composited over white (the
        format has no alpha). 8: grey, only for frames whose pixels are grey after that compositing. Pass
        the source's ``image_info(...).bits_per_pixel`` to write an output like its input.

    Raises
    ------
    InputError
        The suffix is not .png or .tga, or the folder cannot be written.
    ValueError
        ``rgba`` is not an (H, W, 4) uint8 array, ``bits_per_pixel`` is not 8, 24 or 32, or 8 was asked for
        a frame with colors.

    Notes
    -----
    TGA is written for PaintMan: run-length encoded (image type 10, 11 for grey), rows bottom-up
    (descriptor bit 5 clear), no run-length packet crossing a scanline, alpha depth 8 in the descriptor
    for 32 bits per pixel. The destination is replaced only by a complete, synced file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise InputError(
            f"cannot write {path}: unknown image type {path.suffix!r}; name the output .png or .tga"
        )
    if not isinstance(rgba, np.ndarray) or rgba.dtype != np.uint8 or rgba.ndim != 3 or rgba.shape[2] != 4:
        shape = getattr(rgba, "shape", None)
        dtype = getattr(rgba, "dtype", type(rgba).__name__)
        raise ValueError(
            f"write_image: rgba must be an (H, W, 4) uint8 array, got shape {shape} dtype {dtype}"
        )
    bits = 32 if bits_per_pixel is None else bits_per_pixel
    if bits == 32:
        image = Image.fromarray(np.ascontiguousarray(rgba), "RGBA")
    elif bits == 24:
        image = Image.fromarray(_composite_on_white(rgba), "RGB")
    elif bits == 8:
        rgb = _composite_on_white(rgba)
        if not ((rgb[..., 0] == rgb[..., 1]) & (rgb[..., 1] == rgb[..., 2])).all():
            raise ValueError(
                f"write_image: {path} has colors and cannot be written with 8 bits per pixel (grey); "
                "use bits_per_pixel=24 or 32"
            )
        image = Image.fromarray(np.ascontiguousarray(rgb[..., 0]), "L")
    else:
        raise ValueError(f"write_image: bits_per_pixel must be None, 8, 24 or 32, got {bits_per_pixel!r}")
    with atomic_write(path, "wb") as handle:
        if suffix == ".png":
            # zlib level 3: 40% faster than Pillow's default 6 on a painted 1600 px frame (77 vs 126 ms),
            # files about twice as large (91 vs 47 KB: flat colors compress well either way).
            image.save(handle, format="PNG", compress_level=3)
        else:
            # orientation -1: bottom-up rows; Pillow's RLE encoder never lets a packet cross a scanline.
            image.save(handle, format="TGA", rle=True, orientation=-1)


# --------------------------------------------------------------------------------------------------
# Cut folders and frame lists


def _image_files(folder: Path) -> list[Path]:
    """The .png/.tga regular files in ``folder`` (hidden ones skipped), sorted by name."""
    files = [
        entry
        for entry in folder.iterdir()
        if entry.suffix.lower() in IMAGE_SUFFIXES and not entry.name.startswith(".") and entry.is_file()
    ]
    return sorted(files, key=lambda entry: entry.name)


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

        CUT/line/<name>.png|.tga   every frame's line art
        CUT/gt/<name>.png|.tga     one or more colored frames, named and sized like their line frame
        CUT/seg/<name>.png         optional ground-truth segment labels (evaluation only)

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
        The folder is missing, has no ``line/`` folder or no line frame in it, has no colored frame, has
        a colored frame with no line frame of the same name or of a different size, or holds two frames of
        the same name (``0001.png`` and ``0001.tga``).
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
    line = _image_files(line_dir)
    if not line:
        raise InputError(
            f"{line_dir} holds no line frames; put the cut's line art there as .png or .tga files"
        )
    line_by_name = _by_stem(line, line_dir)
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
        Files, or folders (replaced by their .png/.tga files sorted by name).

    Returns
    -------
    list of Path
        In the order given, each file once.

    Raises
    ------
    InputError
        Nothing given, a path does not exist, or a folder holds no .png/.tga file.
    """
    if not paths:
        raise InputError("no line frames given; name the line-art files (or a folder of them) to color")
    frames: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = _image_files(path)
            if not found:
                raise InputError(
                    f"{path} holds no .png or .tga line frames; give line-art files or their folder"
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
