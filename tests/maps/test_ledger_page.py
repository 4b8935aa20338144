"""The printable ledger page in a real Chromium: the same rows as GET /api/v1/ledger, and it prints."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.ledger.service import HEADERS
from tests.support import ledger
from tests.support.accounts import auth_headers
from tests.support.browser import SCREENSHOTS, Visit
from tests.support.ledger import COUNTY

pytestmark = pytest.mark.browser


async def api_ledger(base: str, **params: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, headers=auth_headers("admin")) as client:
        r = await client.get("/api/v1/ledger", params=params)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body


async def table(visit: Visit) -> tuple[list[str], list[list[str]]]:
    heads: list[str] = await visit.page.eval_on_selector_all(
        "#ledger-table thead th", "cells => cells.map(c => c.textContent.trim())"
    )
    rows: list[list[str]] = await visit.page.eval_on_selector_all(
        "#ledger-table tbody tr:not(.ledger-empty)",
        "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))",
    )
    return heads, rows


def as_cells(api: dict[str, Any]) -> list[list[str]]:
    keys = [c["key"] for c in api["columns"]]
    return [["" if row[k] is None else str(row[k]) for k in keys] for row in api["rows"]]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (f"/ledger/{COUNTY}", {"jurisdiction": COUNTY}),
        ("/ledger", {}),
        (
            f"/ledger/{COUNTY}?status=open&road_group=trunk",
            {"jurisdiction": COUNTY, "status": "open", "road_group": "trunk"},
        ),
        (f"/ledger/{COUNTY}?status=closed", {"jurisdiction": COUNTY, "status": "closed"}),
        ("/ledger?supervised=true", {"supervised": "true"}),
    ],
)
async def test_the_page_shows_the_api_rows(
    visit: Visit, known_ledger: AsyncEngine, path: str, params: dict[str, str]
) -> None:
    api = await api_ledger(visit.base, **params)
    await visit.open(path)
    heads, rows = await table(visit)
    assert heads == HEADERS
    assert rows == as_cells(api)
    count = await visit.page.get_attribute("#ledger-count", "data-rows")
    assert count == str(len(api["rows"]))


async def test_title_filters_downloads_and_english(visit: Visit, known_ledger: AsyncEngine) -> None:
    await visit.open(f"/ledger/{COUNTY}?status=open")
    await visit.screenshot("ledger-screen")
    title = await visit.page.text_content("#ledger-title")
    assert title == "聊城市道路交通安全隐患排查整治台账 — 东昌府区"
    assert (await visit.page.text_content("#ledger-date") or "").startswith("截至 20")
    csv_href = await visit.page.get_attribute("#ledger-csv", "href")
    assert csv_href is not None
    async with httpx.AsyncClient(base_url=visit.base, headers=auth_headers("admin")) as client:
        csv = await client.get(csv_href)
        api = await client.get("/api/v1/ledger", params={"jurisdiction": COUNTY, "status": "open"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    # the CSV has the page's rows: a header line, then one line per row
    assert len(csv.content.decode("utf-8-sig").strip().split("\r\n")) == 1 + len(api.json()["rows"])
    assert await visit.page.get_attribute("#ledger-xlsx", "href") == csv_href.replace(
        "format=csv", "format=xlsx"
    )

    # the filter form leads to the filtered address
    await visit.page.select_option("select[name=status]", "closed")
    await visit.page.check("input[name=supervised]")
    async with visit.page.expect_navigation():
        await visit.page.click("#hm-filters button[type=submit]")
    assert "status=closed" in visit.page.url and "supervised=true" in visit.page.url

    await visit.open(f"/ledger/{COUNTY}?lang=en")
    heads, _ = await table(visit)
    assert heads[:3] == ["No.", "Ledger no.", "County"]
    assert await visit.page.text_content("#ledger-title") == (
        "聊城市 road-traffic-safety hazard ledger — 东昌府区"
    )


async def test_unknown_jurisdiction_and_bad_filter(visit: Visit) -> None:
    async with httpx.AsyncClient(base_url=visit.base, headers=auth_headers("admin")) as client:
        missing = await client.get("/ledger/999999")
        bad = await client.get("/ledger", params={"status": "lost"})
        api_bad = await client.get("/api/v1/ledger", params={"road_group": "motorway"})
    assert missing.status_code == 404
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    assert api_bad.status_code == 422 and api_bad.json()["errors"][0]["field"] == "road_group"


async def test_print_media_and_pdf(visit: Visit, known_ledger: AsyncEngine) -> None:
    await visit.open(f"/ledger/{COUNTY}")
    await visit.page.emulate_media(media="print")
    assert await visit.page.is_hidden(".ledger-controls")
    display = await visit.page.eval_on_selector("#ledger-table thead", "el => getComputedStyle(el).display")
    assert display == "table-header-group"
    await visit.screenshot("ledger-print", full_page=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = await visit.page.pdf(path=str(SCREENSHOTS / "ledger.pdf"), prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF-")
    # A3 landscape, from the page's own @page rule: 420 × 297 mm ≈ 1191 × 842 pt
    boxes = re.findall(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", pdf)
    assert boxes and all(round(float(w)) == 1191 and round(float(h)) == 842 for w, h in boxes)


def _pdftotext(path: str) -> list[str]:
    """The text of each page of a PDF, as poppler reads it."""
    out = subprocess.run(
        ["pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True
    ).stdout
    return out.split("\f")[:-1]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
async def test_printed_ledger_repeats_its_header_numbers_pages_and_ends_with_signatures(
    visit: Visit, known_ledger: AsyncEngine
) -> None:
    # Enough rows for several A3 pages.
    many = [ledger.Row(COUNTY, None, 0.05 * i, "reported") for i in range(90)]
    async with known_ledger.begin() as conn:
        await ledger.insert_ledger(conn, {}, many)
    await visit.open(f"/ledger/{COUNTY}?status=reported")
    assert await visit.page.text_content("#ledger-filter") == "筛选：状态：已上报"
    assert re.fullmatch(
        r"制表时间：20\d\d-\d\d-\d\d \d\d:\d\d（北京时间）",
        await visit.page.text_content("#ledger-made") or "",
    )
    await visit.page.emulate_media(media="print")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = str(SCREENSHOTS / "ledger-signed.pdf")
    await visit.page.pdf(path=path, prefer_css_page_size=True)
    pages = _pdftotext(path)
    assert len(pages) >= 2
    for n, page in enumerate(pages, start=1):
        assert "序号" in page and "隐患编号" in page and "挂牌督办级别" in page  # the header, on every page
        assert f"第 {n} 页，共 {len(pages)} 页" in page
    assert "筛选：状态：已上报" in pages[0] and "制表时间：" in pages[0]
    last = pages[-1]
    for words in ("制表人", "审核人", "分管负责人（签字）", "日期", "（单位盖章）"):
        assert words in last
        assert all(words not in page for page in pages[:-1])
    _last_page_png(path, len(pages), str(SCREENSHOTS / "ledger-signed-last"))


def _last_page_png(path: str, page: int, prefix: str) -> None:
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", str(page), "-l", str(page), path, prefix], check=True
    )
