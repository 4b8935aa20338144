"""HTML answers of the OGC API: every resource as a page (f=html or Accept: text/html), zh-CN first,
English with ?lang=en; the items page in real Chromium shows the features on its map and table."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.async_api import async_playwright

from tests.support.accounts import auth_headers
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS
from tests.support.hazards import GULOU, create, point, segment

pytestmark = pytest.mark.asyncio

PAGES = [
    "/ogc",
    "/ogc/conformance",
    "/ogc/collections",
    "/ogc/collections/hazards",
    "/ogc/collections/hazards/items",
]


@pytest.mark.parametrize("path", PAGES)
async def test_every_resource_answers_html(client: httpx.AsyncClient, engine: Any, path: str) -> None:
    r = await client.get(path, params={"f": "html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in r.text and "OGC API – 要素服务" in r.text
    en = await client.get(path, params={"f": "html", "lang": "en"})
    assert '<html lang="en">' in en.text and "OGC API – Features" in en.text
    # A browser's Accept header alone gets the page; f=json gets JSON whatever it accepts.
    accept = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    assert (await client.get(path, headers=accept)).headers["content-type"].startswith("text/html")
    j = await client.get(path, params={"f": "json"}, headers=accept)
    features = path.endswith("/items")
    assert j.headers["content-type"] == ("application/geo+json" if features else "application/json")
    # The JSON names the page as its alternate, and the page itself as self.
    links = {link["rel"]: link for link in j.json()["links"]}
    assert links["alternate"]["type"] == "text/html" and links["alternate"]["href"].endswith("f=html")
    assert links["self"]["href"].endswith("f=json")


async def test_bad_format(client: httpx.AsyncClient, engine: Any) -> None:
    r = await client.get("/ogc/collections", params={"f": "xml"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "f"


async def test_items_and_item_pages_show_the_values(client: httpx.AsyncClient) -> None:
    a = await create(client, "hazards", point(GULOU, description="东昌路口 缺减速带", grade="major"))
    r = await client.get("/ogc/collections/hazards/items", params={"f": "html", "filter": "grade = 'major'"})
    assert a["properties"]["ledger_no"] in r.text and "东昌路口 缺减速带" in r.text
    assert re.search(r'id="hm-ogc-matched">1<', r.text)
    one = await client.get(
        f"/ogc/collections/hazards/items/{a['id']}", params={"f": "html", "crs": "EPSG:4490"}
    )
    assert one.status_code == 200 and a["properties"]["ledger_no"] in one.text
    assert one.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4490>"


async def test_items_page_in_chromium(live_server: str) -> None:
    # Segments: the GDAL test counts the hazards of this shared live database.
    async with httpx.AsyncClient(base_url=live_server, headers=auth_headers("admin")) as http:
        made = [
            await create(
                http, "segments", segment([(115.95, 36.455), (115.96, 36.456)], description="东昌路段")
            ),
            await create(
                http, "segments", segment([(115.97, 36.44), (115.99, 36.43)], description="柳园路段")
            ),
        ]
    ids = ", ".join(str(s["id"]) for s in made)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # The OGC pages take the bearer token as a GIS client sends it (no login form there).
            page = await browser.new_page(
                viewport={"width": 1280, "height": 900}, extra_http_headers=auth_headers("viewer")
            )
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto(
                f"{live_server}/ogc/collections/segments/items?f=html&filter=id IN ({ids})",
                wait_until="networkidle",
            )
            await page.wait_for_selector("#hm-ogc-map[data-state=ready]")
            assert await page.get_attribute("#hm-ogc-map", "data-features") == "2"
            assert await page.locator("#hm-ogc-map path.leaflet-interactive").count() == 2
            rows = page.locator("#hm-ogc-features tbody tr")
            assert [await rows.nth(i).get_attribute("data-id") for i in range(await rows.count())] == [
                str(s["id"]) for s in made
            ]
            assert await page.locator("#hm-ogc-features").inner_text() != ""
            for s in made:
                assert s["properties"]["ledger_no"] in await page.locator("#hm-ogc-features").inner_text()
            assert (
                await page.locator("header h1").inner_text()
                == "OGC API – 要素服务 · 事故易发多发路段 Accident-prone segments · 要素"
            )
            assert errors == []
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SCREENSHOTS / "ogc-items.png"))
        finally:
            await browser.close()
