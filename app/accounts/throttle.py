"""Failed logins slow the next attempt: per login name and per client address, 429 with Retry-After.

A few failures are free (HAZARDMAP_LOGIN_FREE_FAILURES per login, _PER_ADDRESS per address); after
them each failure blocks the next attempt for 1, 2, 4 … seconds, up to HAZARDMAP_LOGIN_DELAY_MAX_S.
While blocked, an attempt is refused before its password is checked and does not count (so nobody
can lock a colleague out for longer by trying on). A successful login clears its login's count, not
the address's: one's own account must not reset the count of guesses at others'.

The counts live in the database (``login_throttle``), so that every web process sees the same ones.
A failure is written in a short transaction of its own: the request's transaction is rolled back
with the refusal, and the failure must stay counted.

The client address is the connection's; behind a reverse proxy start uvicorn with
``--forwarded-allow-ips`` set to the proxy's address, so that it is taken from X-Forwarded-For.
"""

from __future__ import annotations

import math

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import repository, service
from app.db import get_engine
from app.errors import TooManyRequests, Unauthorized
from app.settings import get_settings


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_key(login_name: str) -> str:
    return login_name.strip().lower()[:64]


def delay_s(failures: int, free: int) -> int:
    """The wait after the ``failures``-th failure in a row: none while free, then 1, 2, 4 … seconds."""
    if failures < free:
        return 0
    return min(get_settings().login_delay_max_s, 2 ** min(failures - free, 30))


async def check(session: AsyncSession, login_name: str, address: str) -> None:
    """429 while the login or the address is blocked."""
    wait = await repository.blocked_for(session, _login_key(login_name), address)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise TooManyRequests(
            detail=f"too many failed logins; try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
            extra={"retry_after": seconds},
        )


async def record_failure(login_name: str, address: str) -> None:
    settings = get_settings()
    free = {"login": settings.login_free_failures, "address": settings.login_free_failures_per_address}
    async with get_engine().begin() as conn:
        for scope, key in (("login", _login_key(login_name)), ("address", address)):
            failures = await repository.count_failure(conn, scope, key, settings.login_failure_window_s)
            wait = delay_s(failures, free[scope])
            if wait:
                await repository.block(conn, scope, key, wait)


async def login(
    session: AsyncSession, request: Request, login_name: str, password: str
) -> service.IssuedToken:
    """service.login behind the throttle: what POST /api/v1/auth/token and the /login form call."""
    address = client_address(request)
    await check(session, login_name, address)
    try:
        issued = await service.login(session, login_name, password)
    except Unauthorized:
        await record_failure(login_name, address)
        raise
    await repository.clear_login(session, _login_key(login_name))
    return issued
