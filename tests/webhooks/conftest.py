"""Fixtures of the webhook tests: a job worker in the test's loop, a real HTTP receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cluster import APP_ROLE, Cluster
from app.notifications.webhooks.settings import get_webhook_settings
from tests.support.databases import TEST_DB
from tests.support.jobs import in_process_worker, wait_until_idle
from tests.webhooks.receiver import Receiver, receiver


@pytest.fixture(scope="package", autouse=True)
async def job_worker(cluster: Cluster, engine: AsyncEngine) -> AsyncIterator[None]:
    """Deliveries are jobs of the queue: a worker takes them, as `hazardmap worker` would."""
    async with in_process_worker(cluster.url(TEST_DB, APP_ROLE)):
        yield


@pytest.fixture(autouse=True)
async def _jobs_end_with_their_test(engine: AsyncEngine) -> AsyncIterator[None]:
    yield
    await wait_until_idle(engine)


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test's HAZARDMAP_WEBHOOKS_* (set with monkeypatch.setenv) read afresh."""
    get_webhook_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_webhook_settings.cache_clear()


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as r:
        yield r
