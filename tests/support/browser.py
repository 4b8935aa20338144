"""Browser tests: Debian's Chromium driven by Playwright against the real service."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, Request, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from app.settings import PROJECT_ROOT
from tests.support.accounts import TEST_PASSWORD

CHROMIUM = os.environ.get("HAZARDMAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots"


@dataclass
class MapsDb:
    url: str
    engine: AsyncEngine
    road_ids: dict[str, int]


@dataclass
class Visit:
    """A browser context on the service, and every request its pages made to anywhere else."""

    context: BrowserContext
    page: Page
    base: str
    outside: list[str] = field(default_factory=list)

    def watch(self, request: Request) -> None:
        if not request.url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            self.outside.append(request.url)

    async def open(self, path: str) -> None:
        await self.page.goto(self.base + path)

    async def screenshot(self, name: str, full_page: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        await self.page.screenshot(path=str(path), full_page=full_page)
        return path


async def new_visit(
    browser: Browser, server: str, login: str | None = "t-admin", **context_args: Any
) -> Visit:
    """A new browser context, logged in through the login page as ``login`` (a harness user)."""
    context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **context_args)
    page = await context.new_page()
    visit = Visit(context, page, server)
    context.on("request", visit.watch)
    if login is not None:
        await log_in(page, server, login)
    return visit


async def log_in(page: Page, server: str, login: str, password: str = TEST_PASSWORD) -> None:
    await page.goto(f"{server}/login?next=/healthz")
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", password)
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    assert page.url == f"{server}/healthz", page.url


async def wait_ready(page: Page, selector: str = "#hm-map") -> None:
    """Until the map says its data is drawn. markercluster's chunked loading adds up to 200 markers in
    the same call (more in later chunks): the tests' ledgers are drawn by then."""
    await page.wait_for_selector(f"{selector}[data-state=ready]", timeout=15_000)


async def popup_shown(page: Page) -> None:
    """Until the open popup has faded in (Leaflet's opacity transition), e.g. before a screenshot."""
    await expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")


async def on_map(page: Page) -> dict[str, int]:
    """What the map draws, read off the DOM: cluster bubbles' counts, single pins, segment lines."""
    counted: dict[str, int] = await page.evaluate(
        """() => {
            const map = document.getElementById('hm-map');
            const n = (sel) => map.querySelectorAll(sel).length;
            const sum = (sel) => [...map.querySelectorAll(sel)]
                .reduce((a, b) => a + Number(b.textContent), 0);
            const pins = '.leaflet-marker-icon.hm-pin';
            return {
                open: sum('.hm-cluster b.o') + n(pins + '.hm-open') + n('path.hm-seg-open'),
                closed: sum('.hm-cluster b.c') + n(pins + '.hm-closed') + n('path.hm-seg-closed'),
                tally_open: Number(document.getElementById('hm-onmap').dataset.open),
                tally_closed: Number(document.getElementById('hm-onmap').dataset.closed),
            };
        }"""
    )
    return counted


async def until(check: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    """Poll from the test: the pages' CSP forbids the eval that page.wait_for_function needs."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        await asyncio.sleep(0.1)


async def drawn_until(page: Page, expected: dict[str, int], seconds: float = 10.0) -> dict[str, int]:
    """Until what the map draws (``on_map``) has the ``expected`` counts; what it draws then."""
    drawn: dict[str, int] = {}

    async def matches() -> bool:
        nonlocal drawn
        drawn = await on_map(page)
        return all(drawn[key] == value for key, value in expected.items())

    try:
        await until(matches, seconds, f"the map draws {expected}")
    except AssertionError as failed:
        raise AssertionError(f"{failed}; it draws {drawn}") from None
    return drawn


async def settle(page: Page) -> None:
    await page.wait_for_load_state("networkidle")
    await wait_ready(page)
