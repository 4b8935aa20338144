"""The workbench in a real Chromium, by clicking: the record page's workflow forms, the refusals, 我的待办,
the search box; screenshots of each page at 1440×900 and 360×640."""

from __future__ import annotations

import asyncio
import io
import re
import time
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.async_api import Browser, ConsoleMessage, FilePayload, Page, ViewportSize, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.clock import day_of
from app.roads.chainage import format_chainage
from app.settings import get_settings
from tests.support.accounts import TEST_USERS, auth_headers
from tests.support.browser import MapsDb, Visit, new_visit
from tests.support.ledger import TODAY

pytestmark = pytest.mark.browser
# Two cores shared by many: give each waiting assertion room (it still ends as soon as it holds).
expect.set_options(timeout=15_000)

GULOU = (115.959865, 36.461981)  # 古楼街道, 东昌府区 371502
CLAIM = {"name": "张三", "post": "副区长", "unit": "东昌府区人民政府"}
SIZES: dict[str, ViewportSize] = {
    "wide": {"width": 1440, "height": 900},
    "phone": {"width": 360, "height": 640},
}


def png(colour: str) -> FilePayload:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return {"name": f"{colour}.png", "mimeType": "image/png", "buffer": out.getvalue()}


async def api(base: str, method: str, path: str, role: str = "admin", **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base, headers=auth_headers(role)) as client:
        return await client.request(method, path, **kwargs)


async def new_hazard(base: str, **properties: Any) -> dict[str, Any]:
    feature = {
        "type": "Feature",
        "geometry": None if "road" in properties else {"type": "Point", "coordinates": list(GULOU)},
        "properties": {"category": "JC01", "description": "路口视距不良，需设置警示标志", **properties},
    }
    r = await api(base, "POST", "/api/v1/hazards", json=feature, params={"on_duplicate": "create"})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    await readable(base, body["id"], r.headers["ETag"])
    return body


async def readable(base: str, hazard_id: int, etag: str) -> None:
    """Until the write answered with ``etag`` reads back (an answer may precede its commit)."""
    deadline = time.monotonic() + 10
    while (await api(base, "GET", f"/api/v1/hazards/{hazard_id}")).headers.get("ETag") != etag:
        assert time.monotonic() < deadline, f"hazard {hazard_id} never read back at {etag}"
        await asyncio.sleep(0.05)


async def move(base: str, hazard_id: int, body: dict[str, Any], role: str = "admin") -> None:
    etag = (await api(base, "GET", f"/api/v1/hazards/{hazard_id}")).headers["ETag"]
    r = await api(
        base, "POST", f"/api/v1/hazards/{hazard_id}/transitions", role, json=body, headers={"If-Match": etag}
    )
    assert r.status_code == 200, r.text
    await readable(base, hazard_id, r.headers["ETag"])


async def stored(engine: AsyncEngine, hazard_id: int) -> dict[str, Any]:
    async with engine.connect() as conn:
        row = (
            (
                await conn.execute(
                    text(
                        "SELECT status, version, verifier, verification, rectified_by, supervision_level,"
                        " evidence_photos,"
                        " (SELECT count(*) FROM hazard_events e WHERE e.hazard_id = h.id) AS events"
                        " FROM hazards h WHERE id = :id"
                    ),
                    {"id": hazard_id},
                )
            )
            .mappings()
            .one()
        )
    return dict(row)


@pytest.fixture
async def ledger_clean(maps_db: MapsDb) -> AsyncIterator[AsyncEngine]:
    yield maps_db.engine
    async with maps_db.engine.begin() as conn:
        await conn.execute(
            text("TRUNCATE hazard_events, hazard_photos, hazards, ledger_counters RESTART IDENTITY CASCADE")
        )


async def as_user(browser: Browser, server: str, role: str, size: str = "wide") -> Visit:
    return await new_visit(browser, server, TEST_USERS[role].login, viewport=SIZES[size])


async def act(
    page: Page, action: str, fields: dict[str, str], files: dict[str, list[FilePayload]] | None = None
) -> None:
    """Open the action's form, fill it, send it."""
    await page.click(f"button.wb-action[data-action={action}]")
    form = page.locator(f"form.wb-form[data-action={action}]")
    await expect(form).to_be_visible()
    for name, value in fields.items():
        await form.locator(f"[name={name}]").fill(value)
    for name, payloads in (files or {}).items():
        await form.locator(f"input[name={name}]").set_input_files(payloads)
    await form.locator("button.wb-submit").click()


async def test_officer_claims_starts_rectifies_and_another_verifier_closes(
    browser: Browser, server: str, ledger_clean: AsyncEngine
) -> None:
    h = await new_hazard(server)
    officer = await as_user(browser, server, "county_officer")
    page = officer.page
    await officer.open(f"/hazards/{h['id']}")
    await expect(page.locator("#wb-status")).to_have_text("已上报")
    await expect(page.locator("#wb-map[data-state=ready]")).to_have_count(1)
    await act(page, "claim", CLAIM)
    await expect(page.locator("#wb-status")).to_have_text("已认领")
    await act(page, "start", {"measures": "增设警示标志和减速带", "interim_measures": "设置临时限速40标志"})
    await expect(page.locator("#wb-status")).to_have_text("整改中")
    await act(
        page,
        "rectify",
        {"evidence": "已完成标志和减速带施工"},
        {"before": [png("red")], "after": [png("green")]},
    )
    await expect(page.locator("#wb-status")).to_have_text("已整改")
    await expect(page.locator(".wb-stage[data-stage=before] .wb-gallery img")).to_have_count(1)
    await expect(page.locator(".wb-stage[data-stage=after] .wb-gallery img")).to_have_count(1)
    # The rectifier may not verify their own work: no close button for them.
    await expect(page.locator("button.wb-action[data-action=close]")).to_have_count(0)
    timeline = page.locator("#wb-timeline")
    await expect(timeline).to_contain_text("东昌府民警（t-officer）于 ")
    await expect(timeline).to_contain_text("签字认领，签字人：张三（副区长，东昌府区人民政府）")
    await expect(timeline).to_contain_text("状态：已认领 → 整改中")
    await officer.screenshot("record-rectified-wide", full_page=True)
    await officer.context.close()
    assert officer.outside == []

    verifier = await as_user(browser, server, "verifier")
    page = verifier.page
    await verifier.open(f"/hazards/{h['id']}")
    close = page.locator("form.wb-form[data-action=close]")
    await page.click("button.wb-action[data-action=close]")
    await expect(close.locator("[name=verifier]")).to_have_value(TEST_USERS["verifier"].name)
    await close.locator("[name=verification]").fill("现场核验合格")
    await close.locator("button.wb-submit").click()
    await expect(page.locator("#wb-status")).to_have_text("已销号")
    await verifier.context.close()

    row = await stored(ledger_clean, h["id"])
    assert row["status"] == "closed"
    assert (row["verifier"], row["verification"]) == (TEST_USERS["verifier"].name, "现场核验合格")
    assert row["rectified_by"] == "东昌府民警（t-officer）"
    assert len(row["evidence_photos"]) == 2


async def test_commander_lists_and_delists(browser: Browser, server: str, ledger_clean: AsyncEngine) -> None:
    h = await new_hazard(server)
    commander = await as_user(browser, server, "commander")
    page = commander.page
    await commander.open(f"/hazards/{h['id']}")
    # The commander neither claims nor closes: supervision is theirs.
    assert await page.locator("button.wb-action").all_inner_texts() == ["挂牌督办"]
    await page.click("button.wb-action[data-action=list]")
    form = page.locator("form.wb-form[data-action=list]")
    await form.locator("[name=level]").select_option("city")
    await form.locator("[name=reason]").fill("事故多发，市级挂牌")
    await form.locator("button.wb-submit").click()
    await expect(page.locator("#wb-supervised")).to_have_text("市级挂牌督办")
    assert (await stored(ledger_clean, h["id"]))["supervision_level"] == "city"
    await expect(page.locator("button.wb-action")).to_have_count(0)  # 摘牌 only once closed

    for body in (
        {"action": "claim", **CLAIM},
        {"action": "start", "measures": "整改", "interim_measures": "限速"},
        {"action": "rectify", "evidence": "完成"},
    ):
        await move(server, h["id"], body)
    await move(server, h["id"], {"action": "close", "verifier": "李四", "verification": "合格"}, "admin2")
    await page.reload()
    await page.click("button.wb-action[data-action=delist]")
    await page.locator("form.wb-form[data-action=delist] button.wb-submit").click()
    await expect(page.locator("#wb-supervision")).to_contain_text("未挂牌")
    assert (await stored(ledger_clean, h["id"]))["supervision_level"] is None
    await expect(page.locator("#wb-timeline")).to_contain_text("督办级别：市级挂牌督办 → （空）")
    await commander.context.close()


async def test_a_refused_action_shows_its_reason_and_changes_nothing(
    browser: Browser, server: str, ledger_clean: AsyncEngine
) -> None:
    h = await new_hazard(server)
    before = await stored(ledger_clean, h["id"])
    officer = await as_user(browser, server, "county_officer")
    page = officer.page
    await officer.open(f"/hazards/{h['id']}")
    # No name of the signing official: the API's 422 names the field, shown beside it.
    await act(page, "claim", {"post": "副区长", "unit": "东昌府区人民政府"})
    error = page.locator("form.wb-form[data-action=claim] [data-error-for=name]")
    await expect(error).to_have_text("未办理：required for 'claim'")
    assert await stored(ledger_clean, h["id"]) == before
    await expect(page.locator("#wb-status")).to_have_text("已上报")

    # Someone else claims it meanwhile: this page's version is stale (412), and says so.
    await move(server, h["id"], {"action": "claim", **CLAIM})
    after_claim = await stored(ledger_clean, h["id"])
    await page.click("button.wb-action[data-action=reject]")
    form = page.locator("form.wb-form[data-action=reject]")
    await form.locator("[name=reason]").fill("不属于道路隐患")
    await form.locator("button.wb-submit").click()
    await expect(form.locator("[data-error-for=_]")).to_have_text("该隐患已被他人修改，请刷新页面后再办理。")
    assert await stored(ledger_clean, h["id"]) == after_claim

    # Merging into a ledger number that does not exist: said beside the field, nothing sent.
    await page.reload()
    await act(page, "duplicate", {"of": "371502-1999-9999"})
    await expect(page.locator("form.wb-form[data-action=duplicate] [data-error-for=of]")).to_have_text(
        "没有编号为 371502-1999-9999 的隐患"
    )
    assert await stored(ledger_clean, h["id"]) == after_claim
    await officer.screenshot("record-refused-wide")
    await officer.context.close()


async def test_photos_of_a_refused_rectification_stay_and_serve_the_next(
    browser: Browser, server: str, ledger_clean: AsyncEngine
) -> None:
    h = await new_hazard(server)
    for body in (
        {"action": "claim", **CLAIM},
        {"action": "start", "measures": "整改", "interim_measures": "限速"},
    ):
        await move(server, h["id"], body)
    officer = await as_user(browser, server, "county_officer")
    page = officer.page
    await officer.open(f"/hazards/{h['id']}")
    # Meanwhile someone corrects the description: the page's version is stale.
    etag = (await api(server, "GET", f"/api/v1/hazards/{h['id']}")).headers["ETag"]
    r = await api(
        server,
        "PATCH",
        f"/api/v1/hazards/{h['id']}",
        content='{"properties": {"description": "路口视距不良（已核实）"}}',
        headers={"If-Match": etag, "Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 200, r.text
    await readable(server, h["id"], r.headers["ETag"])
    await act(page, "rectify", {"evidence": "已完成"}, {"before": [png("red")], "after": [png("green")]})
    form = page.locator("form.wb-form[data-action=rectify]")
    await expect(form.locator("[data-error-for=_]")).to_have_text(
        "已上传的 2 张照片已作为证据保存在档案中；该隐患已被他人修改，请刷新页面后再办理。"
    )
    row = await stored(ledger_clean, h["id"])
    assert row["status"] == "rectifying" and row["evidence_photos"] is None
    async with ledger_clean.connect() as conn:
        ids = list((await conn.execute(text("SELECT id FROM hazard_photos ORDER BY id"))).scalars())
    assert len(ids) == 2

    # After a reload the two photos are offered, ticked, as the evidence; nothing is uploaded twice.
    await page.reload()
    await page.click("button.wb-action[data-action=rectify]")
    await expect(form.locator("input[name=photo]:checked")).to_have_count(2)
    await form.locator("[name=evidence]").fill("已完成")
    await form.locator("button.wb-submit").click()
    await expect(page.locator("#wb-status")).to_have_text("已整改")
    assert (await stored(ledger_clean, h["id"]))["evidence_photos"] == ids
    await officer.context.close()


def expected_counts(rows: list[dict[str, Any]], counties: set[str] | None, actor: str) -> dict[str, int]:
    open_ = {"reported", "claimed", "rectifying", "rectified"}
    mine = [r for r in rows if counties is None or r["county_code"] in counties]
    soon = TODAY + timedelta(days=7)
    claim_days = get_settings().claim_within_days

    def due(r: dict[str, Any]) -> date | None:
        # The deadline, and for a hazard nobody has claimed yet also its claim deadline: the earlier.
        days = [r["deadline"]] if r["deadline"] is not None else []
        if r["status"] == "reported" and claim_days > 0:
            days.append(day_of(r["reported_at"]) + timedelta(days=claim_days))
        return min(days) if days else None

    dues = [(r, due(r)) for r in mine if r["status"] in open_]
    return {
        "to_claim": sum(r["status"] == "reported" for r in mine),
        "due_soon": sum(d is not None and TODAY <= d <= soon for _, d in dues),
        "overdue": sum(d is not None and d < TODAY for _, d in dues),
        "to_verify": sum(r["status"] == "rectified" and r["rectified_by"] != actor for r in mine),
        "supervised": sum(r["status"] in open_ and r["supervision_level"] is not None for r in mine),
    }


@pytest.mark.parametrize(
    ("role", "lists"),
    [
        ("county_officer", ["to_claim", "due_soon", "overdue", "supervised"]),
        ("verifier", ["due_soon", "overdue", "to_verify", "supervised"]),
        ("commander", ["due_soon", "overdue", "supervised"]),
    ],
)
async def test_todo_counts_equal_the_ledgers(
    browser: Browser, server: str, known_ledger: AsyncEngine, role: str, lists: list[str]
) -> None:
    async with known_ledger.begin() as conn:
        # Two due within the week (one today), one just beyond it.
        for ledger_no_rank, days in ((1, 0), (2, 7), (3, 8)):
            await conn.execute(
                text(
                    "UPDATE hazards SET deadline = CAST(:d AS date) WHERE id = (SELECT id FROM hazards"
                    " WHERE status = 'claimed' ORDER BY id OFFSET :k LIMIT 1)"
                ),
                {"d": TODAY + timedelta(days=days), "k": ledger_no_rank - 1},
            )
        rows = [
            dict(r)
            for r in (
                await conn.execute(
                    text(
                        "SELECT id, status, deadline, reported_at, county_code, supervision_level,"
                        " rectified_by FROM hazards WHERE deleted_at IS NULL"
                    )
                )
            ).mappings()
        ]
    user = TEST_USERS[role]
    counties = set(user.counties) if user.counties else None
    expected = expected_counts(rows, counties, f"{user.name}（{user.login}）")
    visit = await as_user(browser, server, role)
    page = visit.page
    await visit.open("/todo")
    shown = await page.eval_on_selector_all(
        "#wb-counts [data-count]", "bs => bs.map(b => [b.dataset.count, Number(b.textContent)])"
    )
    assert shown == [[name, expected[name]] for name in lists]
    assert all(expected[name] > 0 for name in lists), expected
    for name in lists:
        await expect(page.locator(f"section[data-list={name}] tbody tr")).to_have_count(expected[name])
    await visit.screenshot(f"todo-{role}-wide", full_page=True)
    if role == "county_officer":
        await page.set_viewport_size(SIZES["phone"])
        await visit.screenshot("todo-county_officer-phone", full_page=True)
    link = page.locator("section[data-list=overdue] tbody tr a").first
    number = await link.inner_text()
    await link.click()
    await expect(page.locator("#wb-ledger-no")).to_have_text(number)
    await visit.context.close()
    assert visit.outside == []


async def search_box(page: Page, q: str) -> None:
    box = page.locator(".hm-nav-search input[name=q]")
    await box.fill(q)
    await box.press("Enter")


async def test_search_by_ledger_number_and_by_road_and_chainage(
    browser: Browser, server: str, ledger_clean: AsyncEngine
) -> None:
    # A national road of the shipped network, and two hazards on it 2.4 km apart.
    async with ledger_clean.connect() as conn:
        code, start = (
            await conn.execute(
                text(
                    "SELECT code, start_chainage_m FROM roads WHERE code ~ '^G[0-9]+$' AND length_m > 5000"
                    " ORDER BY code, start_chainage_m LIMIT 1"
                )
            )
        ).one()
    near = await new_hazard(server, road=code, chainage=format_chainage(start + 600), category="XL01")
    far = await new_hazard(server, road=code, chainage=format_chainage(start + 3000), category="XL02")
    visit = await as_user(browser, server, "viewer")
    page = visit.page
    await visit.open("/")
    await search_box(page, far["properties"]["ledger_no"])
    await expect(page).to_have_url(re.compile(rf"/hazards/{far['id']}$"))
    await expect(page.locator("#wb-ledger-no")).to_have_text(far["properties"]["ledger_no"])

    await search_box(page, f"{code} {format_chainage(start + 500)}")
    rows = page.locator("#wb-results tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text(near["properties"]["ledger_no"])
    await expect(rows.first).to_contain_text("相距 100 米")
    await visit.screenshot("search-road-wide")
    await rows.first.locator("a").click()
    await expect(page.locator("#wb-ledger-no")).to_have_text(near["properties"]["ledger_no"])
    await visit.context.close()
    assert visit.outside == []


async def test_screenshots_of_each_page(browser: Browser, server: str, ledger_clean: AsyncEngine) -> None:
    h = await new_hazard(server, address="古楼路与柳园路交叉口")
    for body in (
        {"action": "claim", **CLAIM},
        {"action": "start", "measures": "增设警示标志", "interim_measures": "临时限速"},
    ):
        await move(server, h["id"], body)
    for stage, colour in (("report", "gray"), ("before", "red"), ("after", "green")):
        photo = png(colour)
        r = await api(
            server,
            "POST",
            f"/api/v1/hazards/{h['id']}/photos",
            files={"file": (photo["name"], photo["buffer"], "image/png")},
            data={"stage": stage},
        )
        assert r.status_code == 201, r.text
    pages = {
        "home": "/",
        "record": f"/hazards/{h['id']}",
        "record-print": f"/hazards/{h['id']}/print",
        "todo": "/todo",
        "search": "/search?q=%E8%B7%AF%E5%8F%A3",
        "map-with-nav": "/map/371502",
        "field-with-nav": "/field",
        "ledger-with-nav": "/ledger/371502",
        "docs": "/docs",
        "redoc": "/redoc",
    }
    for size in SIZES:
        visit = await as_user(browser, server, "admin", size)
        errors: list[str] = []

        def console(message: ConsoleMessage, errors: list[str] = errors) -> None:
            if message.type == "error":
                errors.append(message.text)

        visit.page.on("console", console)
        for name, path in pages.items():
            await visit.open(path)
            if name.startswith("record"):
                await expect(visit.page.locator("#wb-map[data-state=ready]")).to_have_count(1, timeout=15_000)
            if name == "docs":
                await expect(visit.page.locator(".swagger-ui .info")).to_be_visible(timeout=20_000)
            if name == "redoc":
                await expect(visit.page.locator(".api-info, [class*=api-info]").first).to_be_visible(
                    timeout=20_000
                )
            await visit.screenshot(
                f"{name}-{size}", full_page=name not in ("map-with-nav", "field-with-nav", "docs", "redoc")
            )
            if name == "record-print":
                # As the printer sees it: no navigation, no buttons, the photos at full size.
                await visit.page.emulate_media(media="print")
                await expect(visit.page.locator(".hm-nav, .wb-actions, #wb-do-print")).to_have_count(1)
                await expect(visit.page.locator("#wb-do-print")).to_be_hidden()
                await visit.screenshot(f"{name}-paper-{size}", full_page=True)
                await visit.page.emulate_media(media="screen")
        await visit.context.close()
        # ReDoc's sidebar shows Redocly's logo from its CDN, unconditionally: the CSP refuses it (the image
        # hides itself then), so nothing leaves the service. Anything else from outside is a failure.
        logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
        assert [u for u in visit.outside if u != logo] == []
        refused = [e for e in errors if "Content Security Policy" in e]
        assert all(logo in e for e in refused), refused
