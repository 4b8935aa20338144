"""Photo files outside the database, named by their content: ``<dir>/ab/cd/<sha256>.<ext>``.

Written atomically (a temporary file in the same directory, fsync, rename) and only once: the same
bytes uploaded twice are one file. The file is written before its row is inserted, so a failed
transaction leaves at most an orphan file (harmless, and reused by the next upload of those bytes),
never a row without its file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from app.settings import get_settings

CHUNK = 1024 * 1024


def root() -> Path:
    return get_settings().photo_dir


def path_of(sha256: str, extension: str) -> Path:
    return root() / sha256[:2] / sha256[2:4] / f"{sha256}.{extension}"


def thumbnail_path(sha256: str) -> Path:
    return root() / sha256[:2] / sha256[2:4] / f"{sha256}.thumb.jpg"


def sha256_of(fp: IO[bytes]) -> str:
    fp.seek(0)
    digest = hashlib.sha256()
    while chunk := fp.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def write_once(target: Path, write: Callable[[IO[bytes]], None]) -> bool:
    """Create ``target`` with what ``write`` writes, unless it exists; True if it was written now."""
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)  # atomic on one file system: readers see all of it or nothing
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return True


def copy_from(source: IO[bytes]) -> Callable[[IO[bytes]], None]:
    def write(out: IO[bytes]) -> None:
        source.seek(0)
        shutil.copyfileobj(source, out, CHUNK)

    return write
