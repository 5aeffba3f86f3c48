"""Turn uploaded files into a new cut: limits on size and count, real image decoding, safe names."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from paintmatch.errors import InputError
from paintmatch.web.errors import ApiError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["UploadedFile", "stage_cut"]

_SUFFIXES = {"PNG": "png", "TGA": "tga", "TIFF": "tif", "JPEG": "jpg"}  # ImageInfo.format -> file suffix


@dataclass
class UploadedFile:
    """One file of a multipart upload.

    Attributes
    ----------
    filename : str
        The name the client gave (untrusted: only a sanitised stem is ever used).
    stream : binary file
        Its content.
    """

    filename: str
    stream: BinaryIO


def _read_limited(upload: UploadedFile, limit: int) -> bytes:
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "file_too_large", f"{_shown(upload.filename)} is larger than the limit of {limit:,} bytes")
    if not data:
        raise ApiError(400, "empty_file", f"{_shown(upload.filename)} is empty")
    return data


def _shown(filename: str) -> str:
    return repr(Path(filename or "upload").name[:80])


def _stem(filename: str) -> str | None:
    """A safe frame name from an uploaded file name, or None (the path part is always dropped)."""
    stem = Path(Path(filename or "").name.replace("\\", "/").split("/")[-1]).stem
    return stem if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", stem) and ".." not in stem else None


def _not_an_image(filename: str) -> ApiError:
    return ApiError(415, "not_an_image", f"{_shown(filename)} is not a PNG, TGA, TIFF or JPEG image (checked by its content)")


def _write_checked(data: bytes, folder: Path, name: str, filename: str, max_pixels: int, *,
                   painted: bool = False) -> tuple[Path, "np.ndarray"]:
    """Write one upload after checking its content is an image that fully decodes; returns (path, (H, W, 4) uint8
    image as ``read_image`` reads it, ``painted`` for a colored frame).

    The size is read from the header first: an image over ``max_pixels`` is 413 ``image_too_large``
    before anything (Pillow included) decodes it.
    """
    from paintmatch.io import image_info, is_image_file, os_error_message, read_image

    try:
        info = image_info(data)
    except InputError:
        raise _not_an_image(filename) from None
    if info.pixels > max_pixels:
        raise ApiError(
            413,
            "image_too_large",
            f"{_shown(filename)} is {info.width}x{info.height} = {info.pixels:,} pixels, over the limit of "
            f"{max_pixels:,}; upload smaller frames (or start the server with a larger limit)",
        )
    if not is_image_file(data):
        raise _not_an_image(filename)
    if info.pages > 1:  # a scanner's batch: its first page only would be read
        raise ApiError(400, "bad_image", f"{_shown(filename)} is a TIFF of {info.pages} pages: upload one file per "
                                         "drawing (save each page as a file of its own)")
    probe = folder / f".probe-{name}"
    try:
        probe.write_bytes(data)
    except OSError as error:
        probe.unlink(missing_ok=True)
        raise ApiError(507, "storage_error", os_error_message(f"the upload {_shown(filename)}", error)) from None
    try:
        path = folder / f"{name}.{_SUFFIXES[info.format]}"
        probe.rename(path)
        try:
            image = read_image(path, max_pixels=max_pixels, painted=painted)
        except InputError as error:
            message = str(error).replace(str(path), _shown(filename))
            status, code = (413, "image_too_large") if "over the limit" in message else (400, "bad_image")
            raise ApiError(status, code, message) from None
    finally:
        probe.unlink(missing_ok=True)
    return path, image


def _staging_folder(staging_root: Path, prefix: str) -> Path:
    """A new empty folder under ``staging_root`` for uploads being checked; 507 ``storage_error`` if the disk refuses."""
    try:
        staging_root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=prefix, dir=staging_root))
    except OSError as error:
        from paintmatch.io import os_error_message

        raise ApiError(507, "storage_error", os_error_message("the upload folder", error, action="create")) from None


def stage_cut(
    staging_root: Path,
    lines: list[UploadedFile],
    colored: UploadedFile,
    colored_frame: str | None,
    *,
    max_files: int,
    max_file_bytes: int,
    max_pixels: int,
) -> Path:
    """Check the uploads and write them as ``line/`` and ``gt/`` into a new folder under ``staging_root``.

    Frame names are the uploaded file stems when they are all safe and distinct, else ``0000``,
    ``0001``... in upload order. The colored frame belongs to ``colored_frame``, else to the line frame
    with its file's stem, else to the first line frame.

    Returns
    -------
    Path
        The staged cut folder (the caller moves it into the workspace).

    Raises
    ------
    ApiError
        400 no or bad frames, sizes differ, unknown ``colored_frame``; 413 too many or too large files or
        images (the pixel count from the header, before decoding); 415 a file that is not a PNG, TGA,
        TIFF or JPEG image; 507 the server's disk refused the upload (full, read-only).
    """
    if not lines:
        raise ApiError(400, "no_line_frames", "upload at least one line-art frame (field 'lines')")
    if len(lines) + 1 > max_files:
        raise ApiError(413, "too_many_files", f"{len(lines) + 1} files uploaded; the limit is {max_files} per cut")
    stems = [_stem(upload.filename) for upload in lines]
    if None in stems or len(set(stems)) != len(stems):
        names = [f"{i:04d}" for i in range(len(lines))]
    else:
        names = [s for s in stems if s is not None]
    if colored_frame is None:
        colored_stem = _stem(colored.filename)
        colored_frame = colored_stem if colored_stem in names else names[0]
    elif colored_frame not in names:
        raise ApiError(400, "unknown_colored_frame", f"colored_frame {colored_frame!r} is not one of the uploaded frames ({', '.join(names[:10])})")
    staged = _staging_folder(staging_root, "upload-")
    try:
        (staged / "line").mkdir()
        (staged / "gt").mkdir()
        sizes: dict[str, tuple[int, int]] = {}
        for name, upload in zip(names, lines):
            data = _read_limited(upload, max_file_bytes)
            _, image = _write_checked(data, staged / "line", name, upload.filename, max_pixels)
            sizes[name] = (image.shape[1], image.shape[0])
        first = sizes[names[0]]
        for name, size in sizes.items():
            if size != first:
                raise ApiError(400, "size_mismatch", f"line frame {name} is {size[0]}x{size[1]} but {names[0]} is {first[0]}x{first[1]}: every frame of a cut must have the same size")
        data = _read_limited(colored, max_file_bytes)
        _, image = _write_checked(data, staged / "gt", colored_frame, colored.filename, max_pixels)
        size = (image.shape[1], image.shape[0])
        if size != sizes[colored_frame]:
            raise ApiError(
                400,
                "size_mismatch",
                f"the colored frame is {size[0]}x{size[1]} but line frame {colored_frame} is {first[0]}x{first[1]}: export it at the line frame's size",
            )
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged


def read_colored_upload(staging_root: Path, upload: UploadedFile, size: tuple[int, int], *, max_file_bytes: int,
                        max_pixels: int) -> "np.ndarray":
    """One uploaded colored frame for an existing line frame of ``size`` (w, h), checked as ``stage_cut`` checks it.

    Returns
    -------
    (H, W, 4) ndarray of uint8
        The image (staged under ``staging_root`` while it is checked, removed after).

    Raises
    ------
    ApiError
        400 a size other than the line frame's or a bad image; 413 too large; 415 not an image; 507 disk refused.
    """
    data = _read_limited(upload, max_file_bytes)
    staged = _staging_folder(staging_root, "colored-")
    try:
        _, image = _write_checked(data, staged, "colored", upload.filename, max_pixels, painted=True)
        got = (image.shape[1], image.shape[0])
        if got != size:
            raise ApiError(400, "size_mismatch", f"the colored frame {_shown(upload.filename)} is {got[0]}x{got[1]} but its line "
                           f"frame is {size[0]}x{size[1]}: export it at the line frame's size")
        return image
    finally:
        shutil.rmtree(staged, ignore_errors=True)
