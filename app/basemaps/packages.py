"""Offline tile packages: MBTiles (SQLite) and PMTiles files the service serves as z/x/y tiles.

An imported package is a copy in ``basemap_dir`` named after the base map (``NAME.mbtiles`` or
``NAME.pmtiles``) with a sidecar ``NAME.json`` holding what the import was told (title,
attribution). Nothing about a package is kept in the database: every web process that sees the
folder serves the same packages.

PMTiles are read with the ``pmtiles`` library's header, directory and tile-id functions; MBTiles
with ``sqlite3`` (the format is a SQLite database with ``metadata`` and ``tiles``, rows in TMS order).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import mmap
import os
import re
import shutil
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pmtiles.tile import (
    Compression,
    MagicNumberNotFound,
    SpecVersionUnsupported,
    TileType,
    deserialize_directory,
    deserialize_header,
    find_tile,
    zxy_to_tileid,
)

from app.basemaps import mbtiles_repository as mbtiles

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
EXTENSIONS = (".mbtiles", ".pmtiles")

# Tile format → the Content-Type it is served with.
MEDIA_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "mvt": "application/vnd.mapbox-vector-tile",
}
_PMTILES_TYPES = {TileType.PNG: "png", TileType.JPEG: "jpg", TileType.WEBP: "webp", TileType.MVT: "mvt"}
_MBTILES_FORMATS = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp", "pbf": "mvt", "mvt": "mvt"}


class PackageError(ValueError):
    """A file that is not a tile package this service can serve (said in words for the operator)."""


@dataclass(frozen=True)
class Package:
    name: str
    path: Path
    container: str  # "mbtiles" or "pmtiles"
    tile_format: str  # a key of MEDIA_TYPES
    gzipped: bool  # tiles stored gzip-compressed (vector tiles usually are)
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float] | None
    title: str
    attribution: str
    vector_layers: list[str] = field(default_factory=list)
    version: str = ""  # changes with every import: part of each tile's ETag

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.tile_format]

    @property
    def vector(self) -> bool:
        return self.tile_format == "mvt"


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG"):
        return "png"
    if data.startswith(b"\xff\xd8"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"\x1f\x8b"):
        return "mvt"  # gzip: a compressed vector tile
    return None


# -- MBTiles --------------------------------------------------------------------------------------


def _read_mbtiles(path: Path) -> dict[str, Any]:
    try:
        with contextlib.closing(mbtiles.connect(path)) as db:
            meta = mbtiles.metadata(db)
            low, high = mbtiles.zooms(db)
            first = mbtiles.any_tile(db)
    except sqlite3.DatabaseError as exc:
        raise PackageError(f"{path.name} is not an MBTiles file ({exc})") from exc
    if first is None or low is None or high is None:
        raise PackageError(f"{path.name} holds no tiles")
    sniffed = _sniff(first)
    fmt = _MBTILES_FORMATS.get(str(meta.get("format", "")).lower()) or sniffed
    if fmt is None:
        raise PackageError(f"{path.name}: tile format {meta.get('format')!r} is not png, jpg, webp or pbf")
    bounds = None
    if meta.get("bounds"):
        try:
            w, s, e, n = (float(v) for v in str(meta["bounds"]).split(","))
            bounds = (w, s, e, n)
        except ValueError:
            bounds = None
    layers: list[str] = []
    if fmt == "mvt" and meta.get("json"):
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            layers = [str(v["id"]) for v in json.loads(meta["json"]).get("vector_layers", [])]
    return {
        "tile_format": fmt,
        "gzipped": fmt == "mvt" and sniffed == "mvt",
        "min_zoom": int(meta.get("minzoom", low)),
        "max_zoom": int(meta.get("maxzoom", high)),
        "bounds": bounds,
        "title": str(meta.get("name", "")),
        "attribution": str(meta.get("attribution", "")),
        "vector_layers": layers,
    }


def _mbtiles_tile(path: Path, z: int, x: int, y: int) -> bytes | None:
    with contextlib.closing(mbtiles.connect(path)) as db:
        return mbtiles.tile(db, z, x, y)


# -- PMTiles --------------------------------------------------------------------------------------

_maps: dict[tuple[Path, int], mmap.mmap] = {}
_maps_lock = threading.Lock()


def _pmtiles_bytes(path: Path) -> tuple[mmap.mmap, int]:
    """The file mapped into memory once per version (a re-import replaces the file, new inode), and
    that inode: the key of the version's decoded directories."""
    inode = path.stat().st_ino
    key = (path, inode)
    with _maps_lock:
        mapped = _maps.get(key)
        if mapped is None:
            for old in [k for k in _maps if k[0] == path]:
                _maps.pop(old).close()
            with path.open("rb") as f:
                mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            _maps[key] = mapped
    return mapped, inode


def _decompress(data: bytes, compression: Compression) -> bytes:
    if compression in (Compression.NONE, Compression.UNKNOWN):
        return data
    if compression == Compression.GZIP:
        return gzip.decompress(data)
    raise PackageError(f"PMTiles internal compression {compression.name} is not supported")


def _read_pmtiles(path: Path) -> dict[str, Any]:
    try:
        buf, _ = _pmtiles_bytes(path)
        header = deserialize_header(buf[0:127])
    except (MagicNumberNotFound, SpecVersionUnsupported, ValueError, UnicodeDecodeError) as exc:
        raise PackageError(f"{path.name} is not a PMTiles version 3 file") from exc
    fmt = _PMTILES_TYPES.get(header["tile_type"])
    if fmt is None:
        raise PackageError(f"{path.name}: tile type {header['tile_type'].name} is not PNG, JPEG, WebP or MVT")
    if header["tile_compression"] not in (Compression.NONE, Compression.GZIP, Compression.UNKNOWN):
        raise PackageError(f"{path.name}: tiles compressed with {header['tile_compression'].name}; use gzip")
    if header["internal_compression"] != Compression.GZIP:
        raise PackageError(f"{path.name}: directories not gzip-compressed (as pmtiles tools write them)")
    if header["addressed_tiles_count"] == 0 and header["tile_entries_count"] == 0:
        raise PackageError(f"{path.name} holds no tiles")
    start, length = header["metadata_offset"], header["metadata_length"]
    meta: dict[str, Any] = {}
    if length:
        with contextlib.suppress(ValueError):
            meta = json.loads(_decompress(buf[start : start + length], header["internal_compression"]))
    layers = [str(v.get("id")) for v in meta.get("vector_layers", []) if isinstance(v, dict)]
    e7 = 10_000_000
    return {
        "tile_format": fmt,
        "gzipped": header["tile_compression"] == Compression.GZIP,
        "min_zoom": header["min_zoom"],
        "max_zoom": header["max_zoom"],
        "bounds": (
            header["min_lon_e7"] / e7,
            header["min_lat_e7"] / e7,
            header["max_lon_e7"] / e7,
            header["max_lat_e7"] / e7,
        ),
        "title": str(meta.get("name", "")),
        "attribution": str(meta.get("attribution", "")),
        "vector_layers": layers,
    }


# Every tile walks the root directory (and often a leaf): decoded once per version of the file (path
# and inode), not once per tile.
@lru_cache(maxsize=64)
def _pmtiles_header(path: Path, inode: int) -> dict[str, Any]:
    buf, _ = _pmtiles_bytes(path)
    return dict(deserialize_header(buf[0:127]))


@lru_cache(maxsize=512)
def _pmtiles_directory(path: Path, inode: int, offset: int, length: int) -> list[Any]:
    buf, _ = _pmtiles_bytes(path)
    # The library's directory reader takes the gzip-compressed bytes (checked at import).
    return list(deserialize_directory(buf[offset : offset + length]))


def _pmtiles_tile(path: Path, z: int, x: int, y: int) -> bytes | None:
    """Root directory, then leaf directories, as the PMTiles v3 specification walks them."""
    buf, inode = _pmtiles_bytes(path)
    header = _pmtiles_header(path, inode)
    tile_id = zxy_to_tileid(z, x, y)
    offset, length = header["root_offset"], header["root_length"]
    for _depth in range(4):
        entry = find_tile(_pmtiles_directory(path, inode, offset, length), tile_id)
        if entry is None:
            return None
        if entry.run_length > 0:
            start = header["tile_data_offset"] + entry.offset
            return bytes(buf[start : start + entry.length])
        offset, length = header["leaf_directory_offset"] + entry.offset, entry.length
    return None


# -- the folder -----------------------------------------------------------------------------------


def _describe(name: str, path: Path) -> Package:
    info = _read_mbtiles(path) if path.suffix == ".mbtiles" else _read_pmtiles(path)
    sidecar = path.with_suffix(".json")
    extra: dict[str, Any] = {}
    if sidecar.exists():
        with contextlib.suppress(ValueError):
            extra = json.loads(sidecar.read_text(encoding="utf-8"))
    stat = path.stat()
    return Package(
        name=name,
        path=path,
        container=path.suffix[1:],
        tile_format=info["tile_format"],
        gzipped=info["gzipped"],
        min_zoom=info["min_zoom"],
        max_zoom=info["max_zoom"],
        bounds=info["bounds"],
        title=str(extra.get("title") or info["title"] or name),
        attribution=str(extra.get("attribution") or info["attribution"]),
        vector_layers=info["vector_layers"],
        version=f"{stat.st_ino:x}-{stat.st_mtime_ns:x}-{stat.st_size:x}",
    )


_described: dict[tuple[Path, int, int], Package] = {}


def find(folder: Path, name: str) -> Package | None:
    """The package of that name, or None; read once per version of the file."""
    if not NAME.match(name):
        return None
    for ext in EXTENSIONS:
        path = folder / f"{name}{ext}"
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        key = (path, stat.st_ino, stat.st_mtime_ns)
        package = _described.get(key)
        if package is None:
            package = _describe(name, path)
            _described[key] = package
        return package
    return None


def all_packages(folder: Path) -> list[Package]:
    if not folder.is_dir():
        return []
    names = sorted({p.stem for p in folder.iterdir() if p.suffix in EXTENSIONS and NAME.match(p.stem)})
    found = []
    for name in names:
        with contextlib.suppress(PackageError, OSError):
            package = find(folder, name)
            if package is not None:
                found.append(package)
    return found


def tile(package: Package, z: int, x: int, y: int) -> bytes | None:
    """The tile as stored (gzip-compressed when ``package.gzipped``), None where the package has none."""
    if package.container == "mbtiles":
        return _mbtiles_tile(package.path, z, x, y)
    return _pmtiles_tile(package.path, z, x, y)


def import_package(
    source: Path, name: str, folder: Path, *, title: str = "", attribution: str = "", taken: set[str]
) -> Package:
    """Copy a checked MBTiles/PMTiles file into the folder as base map ``name`` (replacing any)."""
    if not NAME.match(name):
        raise PackageError(f"name {name!r}: lower-case letters, digits, - and _ only, at most 40")
    if name in taken:
        raise PackageError(f"name {name!r} is a configured base map's; choose another")
    if source.suffix.lower() not in EXTENSIONS:
        raise PackageError(f"{source.name}: expected a .mbtiles or .pmtiles file")
    if not source.is_file():
        raise PackageError(f"{source}: no such file")
    info = _read_mbtiles(source) if source.suffix.lower() == ".mbtiles" else _read_pmtiles(source)
    attribution = attribution or info["attribution"]
    if not attribution:
        raise PackageError(
            f"{source.name} names no attribution; give one with --attribution (its licence asks for it)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    ext = source.suffix.lower()
    target = folder / f"{name}{ext}"
    partial = folder / f".{name}{ext}.part"
    shutil.copyfile(source, partial)
    sidecar = {
        "title": title or info["title"] or name,
        "attribution": attribution,
        "source": source.name,
        "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    folder.joinpath(f".{name}.json.part").write_text(
        json.dumps(sidecar, ensure_ascii=False), encoding="utf-8"
    )
    os.replace(folder / f".{name}.json.part", folder / f"{name}.json")
    os.replace(partial, target)
    for other in EXTENSIONS:
        if other != ext:
            (folder / f"{name}{other}").unlink(missing_ok=True)
    package = find(folder, name)
    assert package is not None
    return package


def remove_package(folder: Path, name: str) -> bool:
    found = False
    for ext in (*EXTENSIONS, ".json"):
        path = folder / f"{name}{ext}"
        if path.exists():
            path.unlink()
            found = found or ext != ".json"
    return found
