"""Offline base maps: packages written here with the formats' libraries, imported as the command does,
served at /basemap/{name}/{z}/{x}/{y} with their content type, ETag and caching; 204 where a package
holds no tile, 404 for an unknown base map or zoom, 422 for a tile address off the grid."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import mapbox_vector_tile
import pytest
from pmtiles.tile import TileType
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from typer.testing import CliRunner

from app.accounts import service
from app.accounts.permissions import Role
from app.basemaps import packages
from app.cli import cli
from app.settings import get_settings
from tests.basemaps import make
from tests.support.accounts import auth_headers

Z, X, Y = 12, *make.tile_of(*make.LIAOCHENG, 12)


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    settings = get_settings()
    kept = settings.basemap_dir
    settings.basemap_dir = tmp_path / "basemaps"
    yield settings.basemap_dir
    settings.basemap_dir = kept


def imported(source: Path, name: str, *extra: str) -> str:
    result = CliRunner().invoke(cli, ["basemap", "import", str(source), name, *extra])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    ("fmt", "media_type"), [("png", "image/png"), ("jpg", "image/jpeg"), ("webp", "image/webp")]
)
async def test_raster_mbtiles_are_served_with_their_type(
    client: httpx.AsyncClient, folder: Path, tmp_path: Path, fmt: str, media_type: str
) -> None:
    tiles = {t: make.raster(fmt) for t in make.around(*make.LIAOCHENG, range(10, 13))}
    source = make.mbtiles(tmp_path / f"city.{fmt}.mbtiles", tiles, fmt, name="聊城", attribution="© 测绘院")
    assert "zoom 10–12" in imported(source, "city")
    assert (folder / "city.mbtiles").exists()

    r = await client.get(f"/basemap/city/{Z}/{X}/{Y}")
    assert r.status_code == 200
    assert r.headers["content-type"] == media_type
    assert r.content == tiles[(Z, X, Y)]  # the XYZ row, not the TMS row the file stores
    assert r.headers["cache-control"] == "private, max-age=86400"
    tag = r.headers["etag"]
    again = await client.get(f"/basemap/city/{Z}/{X}/{Y}", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    other = await client.get(f"/basemap/city/{Z}/{X + 1}/{Y}")
    assert other.headers["etag"] != tag
    # An extension, as some clients add one, names the same tile.
    assert (await client.get(f"/basemap/city/{Z}/{X}/{Y}.{fmt}")).content == tiles[(Z, X, Y)]


async def test_missing_tiles_unknown_names_and_bad_addresses(
    client: httpx.AsyncClient, folder: Path, tmp_path: Path
) -> None:
    tiles = {t: make.raster("png") for t in make.around(*make.LIAOCHENG, range(10, 13))}
    imported(make.mbtiles(tmp_path / "a.mbtiles", tiles, "png", attribution="© 测绘院"), "city")

    empty = await client.get(f"/basemap/city/{Z}/{X + 5}/{Y}")  # inside the zooms, not in the package
    assert empty.status_code == 204 and empty.content == b""
    for path, status in [
        (f"/basemap/nowhere/{Z}/{X}/{Y}", 404),  # no such base map
        (f"/basemap/city/14/{X}/{Y}", 404),  # a zoom the package lacks
        ("/basemap/city/2/4/0", 422),  # x beyond 2^z
        ("/basemap/city/2/0/4", 422),
        ("/basemap/city/2/0/x1", 422),
        ("/basemap/..%2Fetc/2/0/0", 404),
    ]:
        r = await client.get(path)
        assert r.status_code == status, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    r = await client.get("/basemap/city/2/4/0")
    assert r.json()["errors"][0]["field"] == "x"


async def test_vector_pmtiles_keep_gzip_for_clients_that_take_it(
    client: httpx.AsyncClient, folder: Path, tmp_path: Path
) -> None:
    tiles = {t: make.mvt(*t) for t in make.around(*make.LIAOCHENG, range(11, 13))}
    source = make.pmtiles(
        tmp_path / "v.pmtiles",
        tiles,
        TileType.MVT,
        gzipped=True,
        attribution="© OpenStreetMap contributors",
        vector_layers=[{"id": "water", "fields": {}}, {"id": "roads", "fields": {}}],
    )
    imported(source, "vector", "--title", "离线矢量")
    r = await client.get(f"/basemap/vector/{Z}/{X}/{Y}", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["vary"] == "Accept-Encoding"
    decoded = mapbox_vector_tile.decode(r.content)  # httpx undid the gzip
    assert decoded["roads"]["features"][0]["properties"]["name"] == f"tile {Z}/{X}/{Y}"

    plain = await client.get(f"/basemap/vector/{Z}/{X}/{Y}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == tiles[(Z, X, Y)]
    assert (await client.get(f"/basemap/vector/{Z}/{X + 3}/{Y}")).status_code == 204

    listed = {b["name"]: b for b in (await client.get("/api/v1/basemaps")).json()}
    assert listed["vector"] == {
        "name": "vector",
        "title": "离线矢量",
        "title_en": "离线矢量",
        "source": "package",
        "crs": "wgs84",
        "tile_format": "mvt",
        "hosts": [],
        "default": False,
    }


async def test_raster_pmtiles(client: httpx.AsyncClient, folder: Path, tmp_path: Path) -> None:
    tiles = {t: make.raster("webp") for t in make.around(*make.LIAOCHENG, range(12, 13))}
    imported(make.pmtiles(tmp_path / "r.pmtiles", tiles, TileType.WEBP, attribution="© 影像"), "img")
    r = await client.get(f"/basemap/img/{Z}/{X}/{Y}", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/webp"
    assert "content-encoding" not in r.headers  # an image is never gzipped again
    assert r.content == tiles[(Z, X, Y)]


async def test_a_reimport_replaces_the_package_and_its_etags(
    client: httpx.AsyncClient, folder: Path, tmp_path: Path
) -> None:
    at = {(Z, X, Y): make.raster("png", (200, 200, 200))}
    imported(make.mbtiles(tmp_path / "one.mbtiles", at, "png", attribution="© 一"), "city")
    first = await client.get(f"/basemap/city/{Z}/{X}/{Y}")
    changed = {(Z, X, Y): make.raster("webp", (20, 20, 200))}
    imported(make.pmtiles(tmp_path / "two.pmtiles", changed, TileType.WEBP, attribution="© 二"), "city")
    assert not (folder / "city.mbtiles").exists()
    second = await client.get(f"/basemap/city/{Z}/{X}/{Y}", headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200
    assert second.headers["content-type"] == "image/webp" and second.content == changed[(Z, X, Y)]


async def test_tiles_need_a_login(anonymous: httpx.AsyncClient, folder: Path, tmp_path: Path) -> None:
    imported(
        make.mbtiles(tmp_path / "a.mbtiles", {(Z, X, Y): make.raster("png")}, "png", attribution="©"), "city"
    )
    assert (await anonymous.get(f"/basemap/city/{Z}/{X}/{Y}")).status_code == 401
    r = await anonymous.get(f"/basemap/city/{Z}/{X}/{Y}", headers=auth_headers("agency"))
    assert r.status_code == 200


def test_imports_refuse_what_cannot_be_served(folder: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    good = make.mbtiles(tmp_path / "ok.mbtiles", {(Z, X, Y): make.raster("png")}, "png")
    not_sqlite = tmp_path / "bad.mbtiles"
    not_sqlite.write_bytes(b"not a database at all, just text" * 10)
    not_pmtiles = tmp_path / "bad.pmtiles"
    not_pmtiles.write_bytes(b"PMTiles" + bytes(200))
    empty = make.mbtiles(tmp_path / "empty.mbtiles", {}, "png", attribution="©")
    cases = [
        ([str(good), "city"], "names no attribution"),
        ([str(good), "City!", "--attribution", "©"], "lower-case letters"),
        ([str(not_sqlite), "x"], "not an MBTiles file"),
        ([str(not_pmtiles), "x"], "not a PMTiles version 3 file"),
        ([str(empty), "x"], "holds no tiles"),
        ([str(tmp_path / "none.mbtiles"), "x"], "no such file"),
        ([str(good), "blank", "--attribution", "©"], "configured base map"),
    ]
    for args, said in cases:
        result = runner.invoke(cli, ["basemap", "import", *args])
        assert result.exit_code == 1, (args, result.output)
        assert said in result.output, (args, result.output)
    assert not folder.exists() or not any(folder.iterdir())


def test_the_package_reader_walks_pmtiles_as_written(tmp_path: Path) -> None:
    tiles = {(10, x, y): f"{x}/{y}".encode() for x in range(0, 120) for y in range(0, 120)}
    path = make.pmtiles(tmp_path / "many.pmtiles", tiles, TileType.PNG, attribution="©")
    package = packages.find(tmp_path, "many")
    assert package is not None and (package.min_zoom, package.max_zoom) == (10, 10)
    assert all(packages.tile(package, *t) == data for t, data in list(tiles.items())[::97])
    assert packages.tile(package, 10, 500, 500) is None
    assert path.stat().st_size < len(tiles) * 12  # run-length directories: the tiles dominate


async def test_the_walls_display_key_reads_the_tiles(
    anonymous: httpx.AsyncClient, engine: AsyncEngine, folder: Path, tmp_path: Path
) -> None:
    imported(
        make.mbtiles(tmp_path / "a.mbtiles", {(Z, X, Y): make.raster("png")}, "png", attribution="©"), "city"
    )
    async with AsyncSession(engine) as session, session.begin():
        key, _ = await service.create_key(session, "大屏底图", role=Role.display)
    r = await anonymous.get(f"/basemap/city/{Z}/{X}/{Y}", headers={"X-API-Key": key})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    # …and no more than the wall reads: not the list, not the administrator's choice.
    assert (await anonymous.get("/api/v1/basemaps", headers={"X-API-Key": key})).status_code == 403
