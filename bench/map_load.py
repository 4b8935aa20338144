"""Benchmark: how fast the county map shows its first hazards over a million, and what it transfers.

    python -m bench.map_load               # reuses bench.list_bbox's database (builds it if missing)
    python -m bench.map_load --runs 5 --county 371502
    python -m bench.map_load --rows 20000 --runs 1   # a short run over a small data set

For three zoom levels of /map/<county> (the whole county, a town, a street), each in a fresh
headless Chromium context (cold cache): the time from navigation start to the moment the first
hazards were painted (the page's own performance mark ``hm-first-features``), the bytes transferred
by the page in all and by its API requests alone, how many hazards it drew and in which mode
(``grid``: counts per cell, ``features``: single hazards). Printed figures, not a timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from playwright.async_api import Browser, ViewportSize, async_playwright
from rich.console import Console
from rich.table import Table

from app.cluster import Cluster
from bench.list_bbox import CLUSTER_DIR, DATABASE, PORT, RESULTS, ROWS, prepare_database, service
from bench.servers import auth_headers

console = Console(width=132)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT: ViewportSize = {"width": 1600, "height": 900}  # a county office's screen
# (label, zoom or None for the page's own fit of the county outline)
VIEWS: list[tuple[str, float | None]] = [("county (fit)", None), ("town, z13", 13), ("street, z16", 16)]


@dataclass
class Run:
    view: str
    zoom: float
    first_features_ms: float
    page_bytes: int
    api_bytes: int
    api_requests: int
    mode: str
    drawn: int


_MEASURE = """() => {
    const mark = performance.getEntriesByName('hm-first-features')[0];
    const nav = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource');
    const api = resources.filter(r => r.name.includes('/api/v1/'));
    const onMap = document.getElementById('hm-onmap').dataset;
    return {
        first: mark ? mark.startTime : null,
        page: nav.transferSize + resources.reduce((a, r) => a + r.transferSize, 0),
        api: api.reduce((a, r) => a + r.transferSize, 0),
        apiRequests: api.length,
        mode: document.getElementById('hm-map').dataset.mode,
        drawn: Number(onMap.open) + Number(onMap.closed) + Number(onMap.rejected),
        zoom: window.hmMap.getZoom(),
    };
}"""


async def _centre(browser: Browser, base: str, county: str) -> tuple[float, float]:
    """The middle of the county as the page fits it: where the town and street views look."""
    context = await browser.new_context(viewport=VIEWPORT, extra_http_headers=auth_headers())
    page = await context.new_page()
    await page.goto(f"{base}/map/{county}")
    await page.wait_for_selector("#hm-map[data-state=ready]", timeout=120_000)
    lat, lon = await page.evaluate("() => { const c = window.hmMap.getCenter(); return [c.lat, c.lng]; }")
    await context.close()
    return lat, lon


async def _one(browser: Browser, url: str, label: str) -> Run:
    context = await browser.new_context(viewport=VIEWPORT, extra_http_headers=auth_headers())
    page = await context.new_page()
    await page.goto(url)
    await page.wait_for_selector("#hm-map[data-state=ready]", timeout=120_000)
    await page.wait_for_load_state("networkidle")
    m: dict[str, Any] = await page.evaluate(_MEASURE)
    await context.close()
    return Run(
        view=label,
        zoom=m["zoom"],
        first_features_ms=m["first"] if m["first"] is not None else float("nan"),
        page_bytes=m["page"],
        api_bytes=m["api"],
        api_requests=m["apiRequests"],
        mode=m["mode"],
        drawn=m["drawn"],
    )


async def measure(base: str, county: str, runs: int) -> list[Run]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            lat, lon = await _centre(browser, base, county)
            results = []
            for label, zoom in VIEWS:
                url = f"{base}/map/{county}" + ("" if zoom is None else f"#{zoom:g}/{lat:.5f}/{lon:.5f}")
                await _one(browser, url, label)  # warms the service and the database, not the browser
                for _ in range(runs):
                    results.append(await _one(browser, url, label))
            return results
        finally:
            await browser.close()


def _print(results: list[Run], runs: int, rows: int) -> None:
    table = Table(title=f"/map/<county> over {rows:,} hazards — median of {runs} cold loads, 1600×900")
    for col in (
        "view",
        "zoom",
        "mode",
        "hazards drawn",
        "first hazards painted",
        "page bytes",
        "API bytes",
        "API requests",
    ):
        table.add_column(col, justify="left" if col in ("view", "mode") else "right")
    for label, _ in VIEWS:
        mine = [r for r in results if r.view == label]
        table.add_row(
            label,
            f"{mine[0].zoom:g}",
            mine[0].mode,
            f"{mine[0].drawn:,}",
            f"{statistics.median(r.first_features_ms for r in mine):,.0f} ms",
            f"{statistics.median(r.page_bytes for r in mine) / 1024:,.0f} KiB",
            f"{statistics.median(r.api_bytes for r in mine) / 1024:,.0f} KiB",
            f"{mine[0].api_requests}",
        )
    console.print(table)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--county", default="371502")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reload", action="store_true", help="rebuild the bench database")
    parser.add_argument("--rows", type=int, default=ROWS, help=f"synthetic hazards (default {ROWS:,})")
    args = parser.parse_args(argv)

    cluster = Cluster(path=CLUSTER_DIR, port=PORT)
    was_running = cluster.running()  # stopped at the end only if this run started it
    cluster.up("postgres", fast=True)
    try:
        cluster.ensure_database(DATABASE)
        prepare_database(cluster, args.rows, args.reload)
        with service(cluster.url(DATABASE), workers=1) as base:
            results = asyncio.run(measure(base, args.county, args.runs))
    finally:
        if not was_running:
            cluster.stop()
    _print(results, args.runs, args.rows)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"map_load-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(
        json.dumps({"county": args.county, "rows": args.rows, "runs": [asdict(r) for r in results]}, indent=1)
    )
    console.print(f"==> {out.relative_to(RESULTS.parent.parent)}")


if __name__ == "__main__":
    main()
