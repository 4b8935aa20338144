"""What a photo is, decided from its bytes with Pillow: format, size, when it was taken; its thumbnail.

The declared media type and the file name are ignored: a PNG named ``.jpg`` is a PNG, a text file
named ``.jpg`` is refused. The whole image is decoded, so a truncated or corrupt file is refused too.

Pure functions over files: blocking, so the service runs them in a worker thread.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow's format name → the media type we store and serve, and the file extension.
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
EXTENSIONS = {media_type: ext for media_type, ext in FORMATS.values()}

_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_DATETIME = 0x0132
_OFFSET_TIME_ORIGINAL = 0x9011


class NotAPhoto(Exception):
    """The bytes are not a JPEG, PNG or WebP image that decodes completely."""


class TooManyPixels(Exception):
    """The image would decode to more pixels than allowed (a decompression bomb, or a huge scan)."""


@dataclass(frozen=True)
class Inspected:
    media_type: str
    extension: str
    width: int
    height: int
    taken_at: datetime | None  # naive when the camera wrote no offset (taken as Beijing time later)


def inspect(fp: IO[bytes], max_pixels: int) -> Inspected:
    fp.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # formats= limits the decoders Pillow tries to the three we accept.
            with Image.open(fp, formats=list(FORMATS)) as im:
                width, height = im.size
                if width * height > max_pixels:
                    raise TooManyPixels(f"{width}×{height} pixels is more than {max_pixels}")
                im.load()  # decode it all: a truncated or corrupt file fails here
                fmt = im.format or ""
                taken_at = _taken_at(im)
    except TooManyPixels:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooManyPixels(str(exc)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise NotAPhoto(str(exc) or type(exc).__name__) from exc
    if fmt not in FORMATS:  # pragma: no cover - formats= already refused it
        raise NotAPhoto(f"{fmt} is not JPEG, PNG or WebP")
    media_type, ext = FORMATS[fmt]
    return Inspected(media_type, ext, width, height, taken_at)


def _taken_at(im: Image.Image) -> datetime | None:
    try:
        exif = im.getexif()
        sub = exif.get_ifd(_EXIF_IFD)
        raw = sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
        if not raw:
            return None
        value = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        offset = sub.get(_OFFSET_TIME_ORIGINAL)
        if offset:
            value = datetime.fromisoformat(value.isoformat() + str(offset).strip("\x00 "))
        return value
    except (ValueError, TypeError, KeyError, OSError, SyntaxError):
        return None  # a camera's odd date is no reason to refuse the photo


def thumbnail(source: IO[bytes], target: IO[bytes], size: int) -> None:
    """A JPEG at most ``size`` px on its longer side, upright, with no metadata (no EXIF, no GPS)."""
    source.seek(0)
    with Image.open(source) as im:
        im.draft("RGB", (size, size))  # JPEG: decode at a reduced scale, much faster
        upright = ImageOps.exif_transpose(im)
        upright.thumbnail((size, size))
        if upright.mode not in ("RGB", "L"):
            background = Image.new("RGB", upright.size, "white")
            rgba = upright.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            upright = background
        upright.save(target, "JPEG", quality=80, optimize=True)
