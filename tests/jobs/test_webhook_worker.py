"""A webhook delivery whose worker is killed mid-request is sent again by the next worker, with the
same delivery id (at least once: a receiver drops the repeat by its id)."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy.engine import make_url

from app.cluster import APP_ROLE, Cluster
from tests.support.accounts import auth_headers
from tests.support.hazards import GULOU, point
from tests.support.jobs import worker_process
from tests.support.service import live_service
from tests.webhooks.receiver import receiver


def _until(check: Callable[[], bool], limit_s: float, what: str) -> None:
    deadline = time.monotonic() + limit_s
    while not check():
        assert time.monotonic() < deadline, f"not {what} after {limit_s} s"
        time.sleep(0.05)


@pytest.mark.slow
def test_a_worker_killed_mid_delivery(cluster: Cluster, isolated_db: str) -> None:
    database = str(make_url(isolated_db).database)
    app_url = cluster.url(database, APP_ROLE)

    def sql(statement: str) -> str:
        return cluster.psql(statement, database).strip()

    with receiver() as hook, live_service(app_url, "webhook-kill") as base:
        hook.delay_s = 60  # the first request is held until its worker is gone
        sql(
            "INSERT INTO webhook_subscriptions (name, url, secret, format, events)"
            f" VALUES ('kill', '{hook.url}', 'kill-test-secret', 'json', '{{created}}')"
        )
        r = httpx.post(
            f"{base}/api/v1/hazards?on_duplicate=create",
            json=point(GULOU),
            headers=auth_headers("admin"),
            timeout=30,
        )
        assert r.status_code == 201, r.text
        env = {"HAZARDMAP_WEBHOOKS_TIMEOUT_S": "60"}
        with worker_process(app_url, "webhook-kill-1", env=env) as doomed:
            _until(lambda: len(hook.received) == 1, 60, "sent")
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(timeout=10)
        # The attempt was counted before it was made; the job is still the dead worker's.
        assert sql("SELECT state, attempts FROM webhook_deliveries") == "pending|1"
        assert sql("SELECT status FROM procrastinate_jobs WHERE task_name = 'webhooks.deliver'") == "doing"
        hook.delay_s = 0
        with worker_process(app_url, "webhook-kill-2"):
            _until(lambda: sql("SELECT state FROM webhook_deliveries") == "delivered", 60, "delivered")
        first, second = asyncio.run(hook.wait_for(2, limit_s=1))
        assert first.body == second.body
        assert first.headers["x-hazardmap-delivery"] == second.headers["x-hazardmap-delivery"]
        assert sql("SELECT state, attempts, last_status FROM webhook_deliveries") == "delivered|2|200"
