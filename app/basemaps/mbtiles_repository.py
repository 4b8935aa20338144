"""The SQL of an MBTiles file (a SQLite database: ``metadata`` name/value rows, ``tiles`` in TMS rows)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def connect(path: Path) -> sqlite3.Connection:
    """Read-only: the service never writes a package."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def metadata(db: sqlite3.Connection) -> dict[str, str]:
    return {str(k): str(v) for k, v in db.execute("SELECT name, value FROM metadata").fetchall()}


def zooms(db: sqlite3.Connection) -> tuple[int | None, int | None]:
    low, high = db.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
    return low, high


def any_tile(db: sqlite3.Connection) -> bytes | None:
    row = db.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
    return bytes(row[0]) if row else None


def tile(db: sqlite3.Connection, z: int, x: int, y: int) -> bytes | None:
    """The tile at XYZ address z/x/y (MBTiles rows count from the south: TMS)."""
    row = db.execute(
        "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
        (z, x, (1 << z) - 1 - y),
    ).fetchone()
    return bytes(row[0]) if row else None
