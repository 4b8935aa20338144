"""Base maps in Chromium: an offline package under the map page, the field page (360×640) and the wall;
the layer switcher and its remembered choice; a pin placed on a GCJ-02 (AMap-style) map stored in
WGS84 within a metre of the known pair; the administrator's page choosing the default."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import prcoords
import pytest
from playwright.async_api import Browser, Page, Route, expect
from pmtiles.tile import TileType
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.basemaps import packages
from tests.basemaps import make
from tests.support.browser import MapsDb, new_visit, until
from tests.support.service import live_service

pytestmark = pytest.mark.browser

GCJ_HOST = "https://gcj.tiles.test"
SOURCES = [
    {
        "name": "amap",
        "kind": "xyz",
        "title": "高德（测试）",
        "url": GCJ_HOST + "/{z}/{x}/{y}.png",
        "crs": "gcj02",
        "attribution": "© 测试图源 审图号：GS(2099)0002号",
    }
]
# Where the field tests pin (on the fixture roads, 东昌府区), and the city centre.
KNOWN = (36.4705, 115.9412)  # lat, lon in WGS84
CENTRES = [make.LIAOCHENG, (KNOWN[1], KNOWN[0]), (115.9225, 36.47)]


def _package_tiles() -> dict[tuple[int, int, int], bytes]:
    tiles: dict[tuple[int, int, int], bytes] = {}
    colours = [(214, 230, 200), (222, 226, 236), (236, 228, 210)]
    for lon, lat in CENTRES:
        for z in range(8, 18):
            for t in make.around(lon, lat, range(z, z + 1), radius=3 if z < 15 else 2):
                tiles.setdefault(t, make.raster("png", colours[z % 3], f"{t[0]}/{t[1]}/{t[2]}"))
    return tiles


@pytest.fixture(scope="module")
def basemap_server(maps_db: MapsDb, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The service with an offline raster package (the default), a vector one and a GCJ-02 tile server."""
    work = tmp_path_factory.mktemp("basemaps")
    folder = work / "store"
    raster = make.mbtiles(work / "offline.mbtiles", _package_tiles(), "png", name="聊城离线底图")
    packages.import_package(raster, "offline", folder, attribution="© 测试离线瓦片", taken=set())
    vector_tiles = {
        t: make.mvt(*t) for lon, lat in CENTRES[:1] for t in make.around(lon, lat, range(10, 13), 2)
    }
    vector = make.pmtiles(
        work / "vector.pmtiles",
        vector_tiles,
        TileType.MVT,
        gzipped=True,
        vector_layers=[{"id": "water", "fields": {}}, {"id": "roads", "fields": {}}],
    )
    packages.import_package(vector, "vector", folder, title="离线矢量", attribution="© 测试矢量", taken=set())
    env = {
        "HAZARDMAP_BASEMAPS": json.dumps(SOURCES),
        "HAZARDMAP_BASEMAP_DIR": str(folder),
        "HAZARDMAP_BASEMAP_DEFAULT": "offline",
    }
    with live_service(maps_db.url, "basemaps", env) as base:
        yield base, folder


async def gcj_tiles(route: Route) -> None:
    await route.fulfill(body=make.raster("png", (244, 220, 228), "GCJ-02"), content_type="image/png")


def gcj_point(lat: float, lon: float) -> tuple[float, float]:
    """Where AMap-style tiles show a WGS84 place: GCJ-02 by prcoords (not the page's gcoord)."""
    shifted = prcoords.wgs_gcj((lat, lon))
    return shifted.lat, shifted.lon


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = a, b
    k = math.pi / 180
    x = (lon2 - lon1) * k * math.cos((lat1 + lat2) / 2 * k)
    return 6_371_008.8 * math.hypot(x, (lat2 - lat1) * k)


# The container pixel of (lat, lon) read as Web Mercator in the map's pixel space: where the tiles
# (GCJ-02 tiles on a GCJ-02 map) show that coordinate pair.
PIXEL_OF = """([lat, lon]) => {
  const m = window.hmMap;
  const p = L.CRS.EPSG3857.latLngToPoint(L.latLng(lat, lon), m.getZoom()).subtract(m.getPixelOrigin());
  const c = m.layerPointToContainerPoint(p);
  return [c.x, c.y];
}"""


DRAWN_AT = "([lat, lon]) => { const c = window.hmMap.latLngToContainerPoint([lat, lon]); return [c.x, c.y]; }"


async def stored(engine: AsyncEngine, description: str) -> Any:
    """The hazard once the page has sent it."""
    found: list[Any] = []

    async def sent() -> bool:
        async with engine.connect() as conn:
            found[:] = (
                await conn.execute(
                    text("SELECT ST_Y(geom) AS lat, ST_X(geom) AS lon FROM hazards WHERE description = :d"),
                    {"d": description},
                )
            ).all()
        return bool(found)

    await until(sent, 20, "the report sent")
    (row,) = found
    return row


async def test_a_pin_on_a_gcj02_map_is_stored_in_wgs84(
    browser: Browser, basemap_server: tuple[str, Path], known_ledger: AsyncEngine
) -> None:
    server, _ = basemap_server
    phone: dict[str, Any] = {
        "viewport": {"width": 360, "height": 640},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    }
    visit = await new_visit(browser, server, "t-officer", **phone)
    page = visit.page
    await visit.context.route(GCJ_HOST + "/**", gcj_tiles)
    await visit.open("/field?basemap=amap")
    await expect(page.locator("#field-map[data-state=ready]")).to_have_count(1, timeout=15_000)
    await expect(page.locator("#field-map")).to_have_attribute("data-crs", "gcj02")
    lat, lon = KNOWN
    await page.evaluate("([lat, lon]) => window.hmMap.setView([lat, lon], 18, {animate: false})", [lat, lon])

    shown = gcj_point(lat, lon)
    assert 300 < metres(shown, KNOWN) < 800  # the GCJ-02 offset near Liaocheng
    # Every overlay is drawn where the GCJ-02 tiles show its place: Leaflet places all of them with
    # latLngToContainerPoint, which must put the WGS84 pair at the GCJ-02 pixel.
    drawn = await page.evaluate(DRAWN_AT, [lat, lon])
    expected = await page.evaluate(PIXEL_OF, list(shown))
    assert math.dist(drawn, expected) < 1  # Leaflet rounds layer points to whole pixels

    # The officer taps the place as the GCJ-02 tiles show it.
    box = await page.locator("#field-map").bounding_box()
    assert box is not None
    await page.tap("#field-map", position={"x": expected[0], "y": expected[1]})
    await expect(page.locator("#field-form")).to_be_visible()
    await page.select_option("#field-form select[name=category]", "JC01")
    await page.locator("#field-form input[name=grade][value=general]").check(force=True)
    await page.fill("#field-form textarea[name=description]", "GCJ-02 底图上标注")
    await visit.screenshot("basemap-field-gcj02-360")
    await page.tap("#field-form [data-submit]")
    await expect(page.locator("#field-form")).to_be_hidden()
    row = await stored(known_ledger, "GCJ-02 底图上标注")
    # A tap lands on a whole CSS pixel: at zoom 18, a pixel is ~0.5 m here; the conversion adds < 1 mm.
    assert metres((row.lat, row.lon), KNOWN) < 1.0
    assert metres((row.lat, row.lon), shown) > 300  # not the GCJ-02 pair
    await visit.context.close()
    assert {u.split("/")[2] for u in visit.outside} == {"gcj.tiles.test"}
    back = prcoords.gcj_wgs_bored(shown)  # prcoords' own inverse agrees with the page's
    assert metres((back.lat, back.lon), KNOWN) < 0.01


async def _tiles_loaded(page: Page, name: str) -> None:
    await expect(page.locator(f".leaflet-tile-loaded[src*='/basemap/{name}/']").first).to_be_visible(
        timeout=15_000
    )


async def test_pages_on_an_offline_package_and_the_switcher(
    browser: Browser, basemap_server: tuple[str, Path], known_ledger: AsyncEngine
) -> None:
    server, _ = basemap_server
    visit = await new_visit(browser, server, viewport={"width": 1366, "height": 768})
    page = visit.page
    await visit.open("/map/371502")
    await expect(page.locator("#hm-map[data-state=ready]")).to_have_count(1, timeout=15_000)
    await expect(page.locator("#hm-map")).to_have_attribute("data-basemap", "offline")
    await _tiles_loaded(page, "offline")
    await expect(page.locator(".leaflet-control-attribution")).to_contain_text("© 测试离线瓦片")
    await visit.screenshot("basemap-map-offline")

    # The switcher offers every base map; the choice is this browser's, per page.
    switcher = page.locator(".hm-basemap-switcher")
    await switcher.hover()
    labels = await switcher.locator(".leaflet-control-layers-base label").all_inner_texts()
    assert [s.strip() for s in labels] == ["无底图", "高德（测试）", "offline", "离线矢量"] or [
        s.strip() for s in labels
    ] == ["无底图", "高德（测试）", "聊城离线底图", "离线矢量"]
    await switcher.locator("label", has_text="离线矢量").click()
    await expect(page.locator("#hm-map")).to_have_attribute("data-basemap", "vector")
    await expect(page.locator(".leaflet-tile-pane canvas.leaflet-tile-loaded").first).to_be_attached(
        timeout=15_000
    )
    await expect(page.locator(".leaflet-control-attribution")).to_contain_text("© 测试矢量")
    await visit.screenshot("basemap-map-vector")
    await page.reload()
    await expect(page.locator("#hm-map")).to_have_attribute("data-basemap", "vector")

    # Switched to GCJ-02 tiles on the open page: the overlays move onto them.
    await visit.context.route(GCJ_HOST + "/**", gcj_tiles)
    await expect(page.locator("#hm-map[data-state=ready]")).to_have_count(1, timeout=15_000)
    await page.locator(".hm-basemap-switcher").hover()
    await page.locator(".hm-basemap-switcher label", has_text="高德（测试）").click()
    await expect(page.locator("#hm-map")).to_have_attribute("data-crs", "gcj02")
    await page.evaluate("([lat, lon]) => window.hmMap.setView([lat, lon], 15, {animate: false})", list(KNOWN))
    drawn = await page.evaluate(DRAWN_AT, list(KNOWN))
    assert math.dist(drawn, await page.evaluate(PIXEL_OF, list(gcj_point(*KNOWN)))) < 1
    marker = page.locator(".leaflet-marker-pane .leaflet-marker-icon").first
    await expect(marker).to_be_visible()
    await visit.screenshot("basemap-map-gcj02")
    gcj_requests = len(visit.outside)
    assert gcj_requests > 0 and all(u.startswith(GCJ_HOST) for u in visit.outside)

    # The field page at 360×640 and the wall keep their own choice: the default.
    phone = await new_visit(browser, server, "t-officer", viewport={"width": 360, "height": 640},
                            device_scale_factor=2, is_mobile=True, has_touch=True)  # fmt: skip
    await phone.open("/field")
    await expect(phone.page.locator("#field-map[data-state=ready]")).to_have_count(1, timeout=15_000)
    await phone.page.evaluate("window.hmMap.setView([36.47, 115.9225], 16, {animate: false})")
    await expect(phone.page.locator("#field-map")).to_have_attribute("data-basemap", "offline")
    await _tiles_loaded(phone.page, "offline")
    await phone.screenshot("basemap-field-offline-360")
    await phone.context.close()

    await visit.page.set_viewport_size({"width": 1920, "height": 1080})
    await visit.open("/wall")
    await expect(page.locator("#wall-map")).to_have_attribute("data-basemap", "offline", timeout=15_000)
    await _tiles_loaded(page, "offline")
    await expect(page.locator("body[data-updated]")).to_have_count(1, timeout=15_000)
    await visit.screenshot("basemap-wall-offline")
    await visit.context.close()
    assert all(u.startswith(GCJ_HOST) for u in visit.outside)  # only while 高德 was shown
    assert phone.outside == []


async def test_the_administrator_chooses_the_default_on_its_page(
    browser: Browser, basemap_server: tuple[str, Path]
) -> None:
    server, folder = basemap_server
    visit = await new_visit(browser, server, viewport={"width": 1366, "height": 900})
    page = visit.page
    await visit.context.route(GCJ_HOST + "/**", gcj_tiles)
    await visit.open("/admin/basemaps")
    await expect(page.locator("#bm-map[data-state=ready]")).to_have_count(1)
    assert await page.locator("input[name=default]:checked").get_attribute("value") == "offline"
    rows = await page.locator(".bm-table tbody tr").evaluate_all("(rs) => rs.map((r) => r.dataset.name)")
    assert rows == ["blank", "amap", "offline", "vector"]
    await expect(page.locator("tr[data-name=amap]")).to_contain_text("GCJ-02")
    await expect(page.locator("tr[data-name=amap]")).to_contain_text(GCJ_HOST)
    await page.locator("input[value=amap]").check()
    await expect(page.locator("#bm-map")).to_have_attribute("data-crs", "gcj02")
    await page.locator("#bm-form button[type=submit]").click()
    await expect(page.locator("#bm-status[data-state=saved]")).to_have_text("已保存：默认底图为 amap。")
    await visit.screenshot("basemap-admin")
    assert json.loads((folder / "_default.json").read_text())["name"] == "amap"

    viewer = await new_visit(browser, server, "t-viewer")
    await viewer.open("/admin/basemaps")
    assert await viewer.page.locator("#bm-form").count() == 0
    await viewer.context.close()

    # Back to the package, for any test after this one.
    await page.locator("input[value=offline]").check()
    await page.locator("#bm-form button[type=submit]").click()
    await expect(page.locator("#bm-status[data-state=saved]")).to_have_text("已保存：默认底图为 offline。")
    await visit.context.close()
