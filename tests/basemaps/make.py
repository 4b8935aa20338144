"""Small tile packages written in the tests with the formats' own libraries: MBTiles with sqlite3,
PMTiles with the pmtiles writer, tiles with Pillow (raster) and mapbox-vector-tile (MVT)."""

from __future__ import annotations

import gzip
import io
import math
import sqlite3
from collections.abc import Mapping
from pathlib import Path

import mapbox_vector_tile
from PIL import Image, ImageDraw
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import write

Tiles = Mapping[tuple[int, int, int], bytes]

# Liaocheng (聊城), where the fixture roads lie.
LIAOCHENG = (115.985, 36.457)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def raster(fmt: str, colour: tuple[int, int, int] = (214, 230, 200), label: str = "") -> bytes:
    """A 256 px tile: a fill, a grid and a diagonal "road", so that a screenshot shows where it is."""
    image = Image.new("RGB", (256, 256), colour)
    draw = ImageDraw.Draw(image)
    for i in range(0, 256, 64):
        draw.line([(i, 0), (i, 255)], fill=(190, 205, 180))
        draw.line([(0, i), (255, i)], fill=(190, 205, 180))
    draw.line([(0, 200), (255, 60)], fill=(250, 250, 250), width=9)
    draw.line([(0, 200), (255, 60)], fill=(225, 170, 90), width=5)
    if label:
        draw.text((8, 8), label, fill=(90, 90, 90))
    out = io.BytesIO()
    image.save(out, format={"png": "PNG", "jpg": "JPEG", "webp": "WEBP"}[fmt])
    return out.getvalue()


def mvt(z: int, x: int, y: int) -> bytes:
    """A vector tile with a water polygon and a road line across it (tile coordinates, extent 4096)."""
    return bytes(
        mapbox_vector_tile.encode(
            [
                {
                    "name": "water",
                    "features": [
                        {"geometry": "POLYGON ((0 0, 1500 0, 1500 1500, 0 1500, 0 0))", "properties": {}}
                    ],
                },
                {
                    "name": "roads",
                    "features": [
                        {
                            "geometry": "LINESTRING (0 3000, 4096 1000)",
                            "properties": {"name": f"tile {z}/{x}/{y}"},
                        }
                    ],
                },
            ]
        )
    )


def mbtiles(path: Path, tiles: Tiles, fmt: str, **meta: str) -> Path:
    """tiles by (z, x, y) in XYZ order; stored in TMS rows as the format says."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name text, value text)")
        db.execute("CREATE TABLE tiles (zoom_level int, tile_column int, tile_row int, tile_data blob)")
        db.executemany("INSERT INTO metadata VALUES (?, ?)", [("format", fmt), *meta.items()])
        db.executemany(
            "INSERT INTO tiles VALUES (?, ?, ?, ?)",
            [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()],
        )
    return path


def pmtiles(path: Path, tiles: Tiles, tile_type: TileType, *, gzipped: bool = False, **meta: object) -> Path:
    zooms = [z for z, _, _ in tiles]
    with write(str(path)) as writer:
        for (z, x, y), data in sorted(tiles.items(), key=lambda kv: zxy_to_tileid(*kv[0])):
            writer.write_tile(zxy_to_tileid(z, x, y), gzip.compress(data) if gzipped else data)
        writer.finalize(
            {
                "tile_type": tile_type,
                "tile_compression": Compression.GZIP if gzipped else Compression.NONE,
                "min_zoom": min(zooms),
                "max_zoom": max(zooms),
                "min_lon_e7": int(115.3 * 1e7),
                "min_lat_e7": int(35.8 * 1e7),
                "max_lon_e7": int(116.6 * 1e7),
                "max_lat_e7": int(37.0 * 1e7),
                "center_zoom": max(zooms),
                "center_lon_e7": int(LIAOCHENG[0] * 1e7),
                "center_lat_e7": int(LIAOCHENG[1] * 1e7),
            },
            dict(meta),
        )
    return path


def around(lon: float, lat: float, zooms: range, radius: int = 1) -> list[tuple[int, int, int]]:
    """The tiles within ``radius`` of the tile holding (lon, lat), at each zoom."""
    found = []
    for z in zooms:
        cx, cy = tile_of(lon, lat, z)
        for x in range(cx - radius, cx + radius + 1):
            for y in range(cy - radius, cy + radius + 1):
                found.append((z, x, y))
    return found
