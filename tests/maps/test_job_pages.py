"""The pages' background jobs in a browser, with a real `hazardmap worker`: the map page's wall map
(挂图) and detection run, and the report page; each shows its progress, then offers the file or what
the run found."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Browser, Dialog, expect

from tests.support.browser import MapsDb, Visit, new_visit, wait_ready
from tests.support.jobs import worker_process
from tests.support.ledger import COUNTY

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def worker(maps_db: MapsDb) -> Iterator[None]:
    with worker_process(maps_db.url, "job-pages", concurrency=2):
        yield


async def _file(visit: Visit, selector: str) -> bytes:
    href = await visit.page.locator(f"{selector} a.hm-job-file").get_attribute("href")
    assert href and href.startswith("/api/v1/jobs/") and href.endswith("/result"), href
    response = await visit.page.request.get(visit.base + href)  # the session's cookie
    assert response.status == 200, await response.text()
    return await response.body()


async def test_the_map_page_draws_the_wall_map_and_runs_the_detection(
    visit: Visit, worker: None, known_ledger: object
) -> None:
    await visit.open(f"/map/{COUNTY}")
    await wait_ready(visit.page)
    await visit.page.click("#hm-poster")
    status = visit.page.locator("#hm-poster-job")
    await expect(status).to_be_visible()
    await expect(status).to_have_attribute("data-state", "succeeded", timeout=180_000)
    await expect(status).to_have_text("已生成，点击下载")
    assert (await _file(visit, "#hm-poster-job")).startswith(b"%PDF-")
    questions: list[str] = []

    async def answer(dialog: Dialog) -> None:
        questions.append(dialog.message)
        await dialog.accept()

    visit.page.on("dialog", answer)
    await visit.page.click("#hm-detect")
    detect = visit.page.locator("#hm-detect-job")
    await expect(detect).to_have_attribute("data-state", "succeeded", timeout=120_000)
    await expect(detect).to_contain_text("识别完成：点 0 处，段 0 处；待审核候选 0 处")
    assert questions == ["重新识别将以新结果替换全部待审核的候选点段（已纳入或已排除的不变）。是否继续？"]
    await visit.screenshot("job-pages-map")


async def test_no_detection_button_without_the_permission(
    browser: Browser, server: str, worker: None
) -> None:
    viewer = await new_visit(browser, server, login="t-viewer", viewport={"width": 1366, "height": 768})
    try:
        await viewer.open(f"/map/{COUNTY}")
        await wait_ready(viewer.page)
        await expect(viewer.page.locator("#hm-poster")).to_be_visible()
        await expect(viewer.page.locator("#hm-detect")).to_have_count(0)
    finally:
        await viewer.context.close()


@pytest.mark.parametrize(("lang", "ready"), [("zh", "已生成，点击下载"), ("en", "Ready: download")])
async def test_the_report_page_on_a_phone(
    browser: Browser, server: str, worker: None, lang: str, ready: str
) -> None:
    v = await new_visit(browser, server, login="t-commander", viewport={"width": 360, "height": 640})
    try:
        await v.open(f"/reports?lang={lang}")
        await expect(v.page.locator("h1")).to_have_text(
            "隐患排查整治报告" if lang == "zh" else "Hazard investigation and rectification report"
        )
        await v.page.select_option("#hm-report-unit", COUNTY)
        await v.page.click("#hm-report-make")
        status = v.page.locator("#hm-report-job")
        await expect(status).to_have_attribute("data-state", "succeeded", timeout=120_000)
        await expect(status).to_have_text(ready)
        assert (await _file(v, "#hm-report-job")).startswith(b"PK")  # an XLSX is a zip
        # Nothing wider than the phone.
        assert await v.page.evaluate("document.documentElement.scrollWidth") <= 360
        await v.screenshot(f"job-pages-report-{lang}-360")
        assert v.outside == []
    finally:
        await v.context.close()
