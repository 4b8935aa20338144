"""A real SMTP server, the service's settings pointed at it, a job worker, and addresses for the
harness's users."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cluster import APP_ROLE, Cluster
from app.notifications.mail_settings import get_mail_settings
from tests.support.databases import TEST_DB
from tests.support.jobs import in_process_worker, wait_until_idle
from tests.support.smtp import Mailbox, SmtpServer

# The harness users with an address (the others have none).
ADDRESSES = {
    "t-verifier": "verifier@jj.example.cn",
    "t-verifier2": "verifier2@jj.example.cn",
    "t-commander": "commander@jj.example.cn",
    "t-officer": "officer@jj.example.cn",
}


@pytest.fixture(scope="package")
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="package", autouse=True)
def _mail_settings(smtp_server: SmtpServer) -> Iterator[None]:
    mp = pytest.MonkeyPatch()
    mp.setenv("HAZARDMAP_SMTP_HOST", "127.0.0.1")
    mp.setenv("HAZARDMAP_SMTP_PORT", str(smtp_server.port))
    mp.setenv("HAZARDMAP_SMTP_STARTTLS", "false")
    mp.setenv("HAZARDMAP_SMTP_FROM", "隐患台账 <hazardmap@jj.example.cn>")
    get_mail_settings.cache_clear()
    yield
    mp.undo()
    get_mail_settings.cache_clear()


@pytest.fixture(scope="package", autouse=True)
async def job_worker(cluster: Cluster, engine: AsyncEngine) -> AsyncIterator[None]:
    async with in_process_worker(cluster.url(TEST_DB, APP_ROLE)):
        yield


@pytest.fixture
async def mailbox(smtp_server: SmtpServer, engine: AsyncEngine) -> AsyncIterator[Mailbox]:
    async with engine.begin() as conn:
        for login, address in ADDRESSES.items():
            await conn.execute(
                text("UPDATE users SET email = :e WHERE login = :l"), {"e": address, "l": login}
            )
    smtp_server.mailbox.clear()
    yield smtp_server.mailbox
    await wait_until_idle(engine)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE users SET email = NULL"))
