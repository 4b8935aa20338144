"""argon2 runs in worker threads, a few at once: wrong-password logins in flight do not stall the
event loop, so a cheap request is answered meanwhile."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest

from app.accounts import service

pytestmark = pytest.mark.asyncio


async def test_password_checks_run_off_the_event_loop(
    anonymous: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop_thread = threading.get_ident()
    threads: list[int] = []
    in_flight = 0
    most = 0
    lock = threading.Lock()
    verify = service._verify

    def watched(stored: str, password: str) -> bool:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
            threads.append(threading.get_ident())
        try:
            return verify(stored, password)
        finally:
            with lock:
                in_flight -= 1

    monkeypatch.setattr(service, "_verify", watched)

    async def wrong(i: int) -> tuple[int, float]:
        r = await anonymous.post(
            "/api/v1/auth/token", json={"login": f"ghost{i}", "password": "wrong-password"}
        )
        return r.status_code, time.perf_counter()

    async def healthz() -> tuple[float, float]:
        await asyncio.sleep(0)  # let the logins start first
        start = time.perf_counter()
        r = await anonymous.get("/healthz")
        assert r.status_code == 200
        return time.perf_counter() - start, time.perf_counter()

    start = time.perf_counter()
    *logins, (health_s, health_done) = await asyncio.gather(*(wrong(i) for i in range(4)), healthz())
    logins_s = max(done for _, done in logins) - start
    assert [status for status, _ in logins] == [401] * 4
    assert len(threads) == 4 and loop_thread not in threads  # every check in a worker thread
    assert most <= 2  # HAZARDMAP_PASSWORD_HASH_CONCURRENCY
    # The cheap request did not wait for the four checks (two rounds of ~80 ms at least).
    assert health_done < max(done for _, done in logins), (health_s, logins_s)
    assert health_s < logins_s / 2, (health_s, logins_s)
