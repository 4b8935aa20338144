"""The wall map (挂图): PDF and PNG, read back with poppler (pdftotext, pdfinfo, pdffonts) and pypdf."""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cluster import Cluster
from app.posters import render
from app.settings import PROJECT_ROOT
from tests.support import ledger
from tests.support.databases import TEST_DB
from tests.support.ledger import COUNTY, LEDGER, OPEN

SHOTS = PROJECT_ROOT / "var" / "screenshots"
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


@pytest.fixture
async def known_ledger(engine: AsyncEngine) -> AsyncIterator[dict[str, int]]:
    async with engine.begin() as conn:
        road_ids = await ledger.insert_roads(conn)
        await ledger.insert_ledger(conn, road_ids)
    yield road_ids
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE hazard_events, hazards, ledger_counters RESTART IDENTITY CASCADE"))
        await ledger.delete_roads(conn)


def _keep(body: bytes, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    path.write_bytes(body)
    return path


def _pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _pdffonts(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)


def _page_size_mm(reader: PdfReader, page: int = 0) -> tuple[float, float]:
    box = reader.pages[page].mediabox
    return round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)


def _words(path: Path) -> list[list[tuple[float, float, str]]]:
    """Per page, the words with their left and top (points), as poppler reads them."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [
        [
            (float(x), float(y), w)
            for x, y, w in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)<', page)
        ]
        for page in html.split("<page ")[1:]
    ]


def _table_rows(path: Path) -> list[tuple[int, str, str]]:
    """(number, ledger number, road) of every row of the table, on every page, in reading order."""
    rows = []
    for page in _words(path):
        heads = sorted((x, y) for x, y, w in page if w == "序号")
        lines: dict[tuple[int, int], list[tuple[float, str]]] = {}
        for x, y, w in page:
            block = [i for i, (hx, hy) in enumerate(heads) if hx - 1 <= x and y > hy + 1]
            if block:
                lines.setdefault((block[-1], round(y)), []).append((x, w))
        for key in sorted(lines):
            text_ = " ".join(w for _, w in sorted(lines[key]))
            m = re.match(r"(\d+) (\d{6}-\d{4}-\d{4}) (\S+)", text_)
            if m:
                rows.append((int(m[1]), m[2], m[3]))
    return rows


def _map_numbers(path: Path) -> list[int]:
    """The numbers written on the map of page one: digit-only words left of the table's heading."""
    page = _words(path)[0]
    table_left = min(x for x, _, w in page if w == "序号")
    return [int(w) for x, _, w in page if x < table_left and re.fullmatch(r"[1-9]\d*", w)]


async def test_county_poster_pdf(
    client: httpx.AsyncClient, engine: AsyncEngine, known_ledger: dict[str, int]
) -> None:
    response = await client.get(f"/api/v1/posters/{COUNTY}.pdf", params={"size": "A1"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    path = _keep(response.content, "poster-371502-A1.pdf")
    reader = PdfReader(io.BytesIO(response.content))
    assert _page_size_mm(reader) == (841, 594)  # A1 landscape
    words = _pdftotext(path)
    assert "东昌府区道路交通安全隐患分布图" in words
    assert "北京时间" in words
    # The county's whole ledger: found 17, open 10, closed 6, rate 6 / (17 − 1), overdue 2, supervised 3.
    counts = ledger.expected(LEDGER, COUNTY)
    for label, value in (
        ("发现", counts["found"]),
        ("未销号", counts["open"]),
        ("已销号", counts["closed"]),
        ("超期", counts["overdue"]),
        ("挂牌督办", counts["supervised"]),
    ):
        assert f"{label} {value}" in words
    assert f"整改率 {6 / 16 * 100:.1f}%" in words
    # Shown: the open and the closed of the county (the rejected one is not), each numbered in the table.
    numbers = await _ledger_numbers(engine, COUNTY, exclude=("rejected", "duplicate"))
    shown = [r for r in LEDGER if r.county == COUNTY and (r.status in OPEN or r.status == "closed")]
    assert len(numbers) == len(shown) == 16
    rows = _table_rows(path)
    assert [n for n, _, _ in rows] == list(range(1, len(shown) + 1))
    assert [no for _, no, _ in rows] == numbers
    assert sorted(_map_numbers(path)) == list(range(1, len(shown) + 1))
    fonts = _pdffonts(path)
    assert "CID TrueType" in fonts.stdout and "yes yes yes" in fonts.stdout
    assert "Mismatch" not in fonts.stderr


async def _ledger_numbers(engine: AsyncEngine, county: str, exclude: tuple[str, ...] = ()) -> list[str]:
    async with engine.connect() as conn:
        return list(
            (
                await conn.execute(
                    text(
                        "SELECT ledger_no FROM hazards WHERE county_code = :c AND deleted_at IS NULL"
                        " AND status <> ALL(:x) ORDER BY reported_at, ledger_no"
                    ),
                    {"c": county, "x": list(exclude)},
                )
            ).scalars()
        )


async def test_filters_apply(
    client: httpx.AsyncClient, engine: AsyncEngine, known_ledger: dict[str, int]
) -> None:
    response = await client.get(
        f"/api/v1/posters/{COUNTY}.pdf",
        params={"size": "A3", "road_group": "expressway", "status": "reported,claimed"},
    )
    assert response.status_code == 200, response.text
    path = _keep(response.content, "poster-371502-A3-expressway.pdf")
    assert _page_size_mm(PdfReader(io.BytesIO(response.content))) == (420, 297)
    words = _pdftotext(path)
    assert "道路：高速公路" in words and "状态：已上报、已认领" in words
    assert [(n, road) for n, _, road in _table_rows(path)] == [(1, "TG01"), (2, "TG01")]
    assert sorted(_map_numbers(path)) == [1, 2]


async def test_city_poster_portrait_a4(client: httpx.AsyncClient, known_ledger: dict[str, int]) -> None:
    response = await client.get(
        "/api/v1/posters/371500.pdf", params={"size": "A4", "orientation": "portrait"}
    )
    assert response.status_code == 200, response.text
    path = _keep(response.content, "poster-371500-A4-portrait.pdf")
    assert _page_size_mm(PdfReader(io.BytesIO(response.content))) == (210, 297)
    words = _pdftotext(path)
    assert "聊城市道路交通安全隐患分布图" in words
    city = ledger.expected(LEDGER)
    assert f"发现 {city['found']}" in words and f"超期 {city['overdue']}" in words
    shown = [r for r in LEDGER if r.status in OPEN or r.status == "closed"]
    assert [n for n, _, _ in _table_rows(path)] == list(range(1, len(shown) + 1))


async def test_png_has_the_asked_size(client: httpx.AsyncClient, known_ledger: dict[str, int]) -> None:
    response = await client.get(f"/api/v1/posters/{COUNTY}.png", params={"size": "A3", "dpi": 100})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    _keep(response.content, "poster-371502-A3-100dpi.png")
    image = Image.open(io.BytesIO(response.content))
    # A3 landscape: 420 × 297 mm = 16.54 × 11.69 in, at 100 dpi.
    assert image.size == render.pixels("A3", "landscape", 100) == (1653, 1169)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/posters/371502.pdf", {"size": "B2"}, "size"),
        ("/api/v1/posters/371502.pdf", {"orientation": "diagonal"}, "orientation"),
        ("/api/v1/posters/371502.png", {"dpi": "9000"}, "dpi"),
        ("/api/v1/posters/371502.png", {"size": "A0", "dpi": "600"}, "dpi"),
        ("/api/v1/posters/371502001.pdf", {}, "jurisdiction"),
        ("/api/v1/posters/371502.pdf", {"status": "lost"}, "status"),
        ("/api/v1/posters/371502.pdf", {"county": "371521"}, "county"),
    ],
)
async def test_bad_input_is_a_problem(
    client: httpx.AsyncClient, path: str, params: dict[str, str], field: str
) -> None:
    response = await client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.text


async def test_an_unknown_place_is_not_found(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/posters/999999.pdf", "/api/v1/posters/999999.png", "/api/v1/maps/999999.html"):
        response = await client.get(path)
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"


async def test_who_may_print(anonymous: httpx.AsyncClient, clients: dict[str, httpx.AsyncClient]) -> None:
    assert (await anonymous.get(f"/api/v1/posters/{COUNTY}.pdf")).status_code == 401
    # Published fields only (no names): every role that reads the lists may print, agencies too.
    for role in ("viewer", "agency"):
        response = await clients[role].get(f"/api/v1/posters/{COUNTY}.pdf", params={"size": "A4"})
        assert response.status_code == 200, (role, response.text)


def _cli(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HAZARDMAP_DATABASE_URL": database_url}
    hazardmap = str(Path(sys.executable).with_name("hazardmap"))
    return subprocess.run([hazardmap, *args], env=env, capture_output=True, text=True, timeout=600)


async def test_cli_poster_and_map_file(
    cluster: Cluster, engine: AsyncEngine, known_ledger: dict[str, int], tmp_path: Path
) -> None:
    url = cluster.url(TEST_DB)
    pdf = tmp_path / "east.pdf"
    done = await asyncio.to_thread(_cli, "poster", COUNTY, "--size", "A2", "-o", str(pdf), database_url=url)
    assert done.returncode == 0, done.stderr
    assert _page_size_mm(PdfReader(pdf)) == (594, 420)
    assert [n for n, _, _ in _table_rows(pdf)] == list(range(1, 17))
    html = tmp_path / "east.html"
    done = await asyncio.to_thread(_cli, "map-file", COUNTY, "-o", str(html), database_url=url)
    assert done.returncode == 0, done.stderr
    assert html.read_text(encoding="utf-8").count('"className": "hm-hazard') == 16
    bad = await asyncio.to_thread(
        _cli, "poster", COUNTY, "--status", "lost", "-o", str(pdf), database_url=url
    )
    assert bad.returncode == 1 and "unknown value 'lost'" in bad.stdout


@pytest.mark.slow
async def test_demo_county_at_a1_in_seconds(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    """The demo data set: the county with the most hazards, every one numbered on the map and in the table."""
    from app.demo.loader import load_demo

    async with engine.begin() as conn:
        await load_demo(conn)
        county, shown = (
            await conn.execute(
                text(
                    "SELECT county_code, count(*) FROM hazards WHERE deleted_at IS NULL"
                    " AND status NOT IN ('rejected', 'duplicate') GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
                )
            )
        ).one()
        city = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM hazards WHERE deleted_at IS NULL"
                    " AND status NOT IN ('rejected', 'duplicate')"
                )
            )
        ).scalar_one()
    for code, n in ((county, shown), ("371500", city)):
        started = time.perf_counter()
        response = await client.get(f"/api/v1/posters/{code}.pdf", params={"size": "A1"})
        seconds = time.perf_counter() - started
        assert response.status_code == 200, response.text
        path = _keep(response.content, f"poster-{code}-A1-demo.pdf")
        pages = len(PdfReader(path).pages)
        size = len(response.content)
        print(f"\nA1 poster of {code}: {n} hazards, {pages} page(s), {size:,} bytes, {seconds:.1f} s")
        # Every row numbered in the table, on as many pages as it takes; every number on the map.
        assert [no for no, _, _ in _table_rows(path)] == list(range(1, n + 1))
        if code == county:
            assert sorted(_map_numbers(path)) == list(range(1, n + 1))
    # On A4 the city's table cannot fit beside its map even in the smallest type: it continues on more
    # pages, each with its heading, and every row is there once.
    response = await client.get(
        "/api/v1/posters/371500.pdf", params={"size": "A4", "orientation": "portrait"}
    )
    path = _keep(response.content, "poster-371500-A4-demo.pdf")
    reader = PdfReader(path)
    assert len(reader.pages) > 1
    assert all(_page_size_mm(reader, i) == (210, 297) for i in range(len(reader.pages)))
    assert [no for no, _, _ in _table_rows(path)] == list(range(1, city + 1))
    assert "（续表）" in _pdftotext(path)
