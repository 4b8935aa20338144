"""The field page in Chromium: a pinned report's photos go with it from the outbox, and the county
map's popup shows their thumbnails. The real service (uvicorn) over a database of its own and a
photo store of its own."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, FilePayload, async_playwright, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.cluster import Cluster
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, new_visit, wait_ready
from tests.support.databases import clone
from tests.support.photos import files_in, image_bytes
from tests.support.service import live_service

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]
DB = "hazardmap_photos_page"
GULOU = (36.461981, 115.959865)  # lat, lon: 古楼街道, 东昌府区


@dataclass
class Service:
    base: str
    engine: AsyncEngine
    store: Path


@pytest.fixture(scope="module")
async def service(
    cluster: Cluster, template_db: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Service]:
    url = clone(cluster, template_db, DB)
    store = tmp_path_factory.mktemp("field-photos")
    # live_service hands the server a copy of this environment when it starts.
    before = os.environ.get("HAZARDMAP_PHOTO_DIR")
    os.environ["HAZARDMAP_PHOTO_DIR"] = str(store)
    running = live_service(url, "photos")
    try:
        base = running.__enter__()
    finally:
        if before is None:
            del os.environ["HAZARDMAP_PHOTO_DIR"]
        else:
            os.environ["HAZARDMAP_PHOTO_DIR"] = before
    engine = create_async_engine(url, pool_size=1, max_overflow=1)
    try:
        yield Service(base, engine, store)
    finally:
        running.__exit__(None, None, None)
        await engine.dispose()
        cluster.drop_database(DB)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        await b.close()


async def test_field_officer_attaches_photos_and_sees_them_uploaded(
    browser: Browser, service: Service
) -> None:
    phone = await new_visit(
        browser,
        service.base,
        viewport={"width": 360, "height": 640},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = phone.page
    await phone.open("/field")
    await page.wait_for_selector("#field-map[data-state=ready]")
    # Until the map has moved there (Leaflet says moveend), so that the tap lands at the place.
    await page.evaluate(
        "([lat, lon]) => new Promise((done) => {"
        " hmMap.once('moveend', done); hmMap.setView([lat, lon], 16); })",
        [GULOU[0], GULOU[1]],
    )
    box = await page.locator("#field-map").bounding_box()
    assert box is not None
    await page.tap("#field-map", position={"x": box["width"] / 2, "y": box["height"] / 2})
    await page.wait_for_selector("#field-form:not([hidden])")
    accept = await page.get_attribute("#field-form input[name=photos]", "accept")
    assert accept == "image/jpeg,image/png,image/webp"
    await page.select_option("#field-form select[name=category]", "JC01")
    await page.locator("#field-form input[name=grade][value=general]").check(force=True)
    await page.fill("#field-form textarea[name=description]", "路口缺减速带")
    # Two photos chosen in the form: one JPEG, and a PNG the phone named .jpg.
    jpeg = image_bytes("JPEG", (1600, 1200), color="orange")
    png = image_bytes("PNG", (800, 600), color="teal")
    chosen: list[FilePayload] = [
        {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": jpeg},
        {"name": "IMG_0002.jpg", "mimeType": "image/jpeg", "buffer": png},
    ]
    await page.set_input_files("#field-form input[name=photos]", chosen)
    await expect(page.locator("#field-form [data-thumbs] img")).to_have_count(2)
    await page.tap("#field-form [data-submit]")
    # The report and then its photos leave the outbox; 我的上报 says so.
    await page.tap("[data-action=outbox]")
    sent = page.locator("#field-outbox [data-list] li[data-state=sent]")
    await expect(sent).to_have_count(1, timeout=15_000)
    await expect(sent).to_contain_text("照片 2/2")
    ledger_no = (await sent.locator(".field-report-no").inner_text()).split()[1]
    await phone.screenshot("photos-field-uploaded")
    await phone.context.close()
    assert phone.outside == []

    async with service.engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT p.stage, p.media_type, p.width, p.height FROM hazard_photos p"
                    " JOIN hazards h ON h.id = p.hazard_id WHERE h.ledger_no = :no ORDER BY p.id"
                ),
                {"no": ledger_no},
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("report", "image/jpeg", 1600, 1200),
        ("report", "image/png", 800, 600),
    ]
    assert len(files_in(service.store)) == 4  # two photos and two thumbnails

    # The county map's popup shows the thumbnails.
    office = await new_visit(browser, service.base, viewport={"width": 1366, "height": 768})
    await office.open("/map/371502")
    await wait_ready(office.page)
    # The map asks for the new view's hazards after it moved: until that answer is drawn.
    async with office.page.expect_response(lambda r: "/api/v1/hazards?" in r.url):
        await office.page.evaluate(f"window.hmMap.setView([{GULOU[0]}, {GULOU[1]}], 18)")
    await wait_ready(office.page)
    requests: list[str] = []
    office.page.on("request", lambda r: requests.append(r.url) if r.url.endswith("/photos") else None)
    await office.page.click(f'.hm-pin[title="{ledger_no}"]')
    await office.page.wait_for_selector(".leaflet-popup .hm-photos:not([hidden]) img")
    await office.page.wait_for_function(
        "() => [...document.querySelectorAll('.hm-photos img')]"
        ".filter(i => i.complete && i.naturalWidth > 0).length === 2"
    )
    # The popup re-rendered when its photos arrived, before they loaded: a second request would be
    # seen by now.
    assert len(requests) == 1  # asked once per opening, not again when the popup re-renders
    await office.screenshot("photos-county-popup")
    await office.context.close()
    assert office.outside == []
