"""What a photo is, decided from its bytes with Pillow: format, size, when it was taken; its thumbnail.

The declared media type and the file name are ignored: a PNG named ``.jpg`` is a PNG, a text file
named ``.jpg`` is refused. The whole image is decoded, so a truncated or corrupt file is refused too.

Pure functions over files: blocking, so the service runs them in a worker thread.

Memory: a small file can decode to a huge bitmap (a 381 KB PNG of 7000×7000 16-bit pixels takes
about 550 MiB). So the header is read first (Pillow opens lazily: size and mode, no pixels) and an
image beyond ``HAZARDMAP_PHOTO_MAX_PIXELS`` or with more than 8 bits a channel is refused before any
decoding; a JPEG is decoded at a reduced scale (``draft``), which still reads every byte of it; at
most ``HAZARDMAP_PHOTO_DECODE_CONCURRENCY`` decodes run at once (``decoding()``); and large
allocations are made with mmap so that a decoded bitmap's memory goes back to the system when it is
freed rather than staying in the allocator's heap (``_return_large_blocks``).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import threading
import warnings
from collections.abc import Iterator
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


# Pixel modes of 8 bits a channel: what cameras and phones write. 16-bit ("I;16", "RGB;16B" PNGs),
# 32-bit and float images are scans or renderings, and cost two to four times the memory.
EIGHT_BIT_MODES = frozenset({"1", "L", "LA", "P", "PA", "RGB", "RGBA", "CMYK", "YCbCr"})

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
_MMAP_FROM_BYTES = 4 * 1024 * 1024


def _return_large_blocks() -> None:
    """Make glibc serve every allocation of 4 MiB or more (Pillow's image blocks are 16 MiB) with
    mmap, so that it is unmapped when freed. By default glibc raises this threshold after the
    first large free, and later bitmaps then stay in the heap after use: the RSS of a server that
    decoded a few big photos never came down. Other C libraries: nothing to do."""
    with contextlib.suppress(OSError, AttributeError, TypeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_FROM_BYTES)


_return_large_blocks()

_decode_slots: threading.BoundedSemaphore | None = None
_decode_slots_size = 0
_slots_lock = threading.Lock()


@contextlib.contextmanager
def decoding(concurrency: int) -> Iterator[None]:
    """Hold one of ``concurrency`` decoding slots (shared by every worker thread) while decoding."""
    global _decode_slots, _decode_slots_size
    with _slots_lock:
        if _decode_slots is None or _decode_slots_size != concurrency:
            _decode_slots, _decode_slots_size = threading.BoundedSemaphore(concurrency), concurrency
        slots = _decode_slots
    with slots:
        yield


class NotAPhoto(Exception):
    """The bytes are not a JPEG, PNG or WebP image that decodes completely."""


class TooManyPixels(Exception):
    """The image would decode to more pixels than allowed (a decompression bomb, or a huge scan)."""


class TooDeep(Exception):
    """More than 8 bits a channel (a 16-bit PNG): not a photo from a camera, and costly to decode."""


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
                # From the header alone: nothing is decoded before these checks.
                width, height = im.size
                if width * height > max_pixels:
                    raise TooManyPixels(f"{width}×{height} pixels is more than {max_pixels}")
                if im.mode not in EIGHT_BIT_MODES or any("16" in str(t.args) for t in im.tile):
                    raise TooDeep(f"{width}×{height} in mode {_mode(im)}")
                if im.format == "JPEG":
                    # Decode at 1/8 scale: every byte is still read, so a truncated or corrupt file
                    # fails as surely, in a sixty-fourth of the memory.
                    im.draft(im.mode, (max(1, width // 8), max(1, height // 8)))
                im.load()  # decode it all: a truncated or corrupt file fails here
                fmt = im.format or ""
                taken_at = _taken_at(im)
    except (TooManyPixels, TooDeep):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooManyPixels(str(exc)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise NotAPhoto(str(exc) or type(exc).__name__) from exc
    if fmt not in FORMATS:  # pragma: no cover - formats= already refused it
        raise NotAPhoto(f"{fmt} is not JPEG, PNG or WebP")
    media_type, ext = FORMATS[fmt]
    return Inspected(media_type, ext, width, height, taken_at)


def _mode(im: Image.Image) -> str:
    raw = next((str(t.args) for t in getattr(im, "tile", []) if "16" in str(t.args)), None)
    return f"{im.mode}, 16 bits a channel" if raw else im.mode


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
        # Reduced first, in place, then turned upright: turning the full bitmap would copy it.
        im.thumbnail((size, size))
        upright = ImageOps.exif_transpose(im)
        if upright.mode not in ("RGB", "L"):
            background = Image.new("RGB", upright.size, "white")
            rgba = upright.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            upright = background
        upright.save(target, "JPEG", quality=80, optimize=True)
