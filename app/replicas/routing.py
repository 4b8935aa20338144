"""Which database a read goes to: a replica, round-robin, or the primary.

A request may read from a replica when ``ReadYourWrites`` (app.replicas.marker) says so: a GET, HEAD
or OPTIONS from a client that has not written within ``HAZARDMAP_READ_YOUR_WRITES_S``. Everything
else — writes, the reads of a client that just wrote, the CLI and the job workers — reads the
primary. The endpoints that read in bulk (lists, tiles, OGC API, exports, stats, the ledger) take
``app.deps.ReadSession`` instead of ``Session``; the guard before them still authenticates on the
primary (a revoked session or key is refused at once, whatever a replica has replayed).

A replica that cannot be reached (refused, timed out, starting up) is left out for
``HAZARDMAP_REPLICA_RETRY_S`` and the read goes to the next one, and at last to the primary. A
replica that fails in the middle of a query answers that request with a 503 (as the primary
would); the next requests go elsewhere. A replica that lags is not read either: each process asks
each replica its lag at most every ``HAZARDMAP_REPLICA_LAG_CHECK_S`` (on the connection it is about
to use), and leaves it out while the lag plus that interval exceeds the read-your-writes window, or
while the standby streams from nobody (its lag unknown). So a client whose write is older than the
window reads it from whichever replica it reaches.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.db import get_engine, make_engine
from app.replicas.repository import lag_seconds
from app.replicas.settings import get_replica_settings

log = logging.getLogger(__name__)

# Set per request by ReadYourWrites: may this request's reads go to a replica?
replica_allowed: ContextVar[bool] = ContextVar("hazardmap_replica_allowed", default=False)

# What a replica out of reach raises while a connection is made: a refused or reset socket
# (OSError), a timeout, or PostgreSQL's refusal (starting up, too many clients) wrapped by SQLAlchemy.
UNREACHABLE = (OSError, TimeoutError, SQLAlchemyError)


@dataclass
class Replica:
    url: str
    engine: AsyncEngine
    down_until: float = 0.0  # time.monotonic() before which it is not tried
    lag_checked: float = float("-inf")  # time.monotonic() of the last look at its lag
    current: bool = True  # close enough behind the primary, at that look

    async def usable(self, db: AsyncSession | AsyncConnection) -> bool:
        """Is it close enough behind the primary? Asked of the replica through ``db`` at most
        every HAZARDMAP_REPLICA_LAG_CHECK_S."""
        settings = get_replica_settings()
        now = time.monotonic()
        if now - self.lag_checked >= settings.replica_lag_check_s:
            lag = await lag_seconds(db)
            current = lag is not None and lag + settings.replica_lag_check_s < settings.read_your_writes_s
            if current != self.current:
                log.warning("replica %s %s (lag %s s)", self.name, "caught up" if current else "lags", lag)
            self.current, self.lag_checked = current, now
        return self.current

    @property
    def name(self) -> str:
        """Host, port and database: for the log, without the password."""
        u = make_url(self.url)
        return f"{u.host or u.query.get('host')}:{u.port or u.query.get('port')}/{u.database}"


@dataclass
class Replicas:
    members: list[Replica]
    _turn: itertools.count[int] = field(default_factory=itertools.count)

    def in_turn(self) -> list[Replica]:
        """The replicas to try for one read: each in turn first (round-robin); those unreachable of late
        left out, and those that lagged at the last look until it is time to look again."""
        if not self.members:
            return []
        start = next(self._turn) % len(self.members)
        now = time.monotonic()
        check = get_replica_settings().replica_lag_check_s
        ordered = self.members[start:] + self.members[:start]
        return [r for r in ordered if r.down_until <= now and (r.current or now - r.lag_checked >= check)]

    def failed(self, replica: Replica, exc: BaseException) -> None:
        replica.down_until = time.monotonic() + get_replica_settings().replica_retry_s
        log.warning("replica %s unreachable (%s); reads go elsewhere for a while", replica.name, exc)

    async def dispose(self) -> None:
        for r in self.members:
            await r.engine.dispose()


_replicas: Replicas | None = None


def _asyncpg(url: str) -> str:
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def configure(urls: list[str] | None) -> Replicas:
    """The replicas to read from (tests; otherwise the settings decide on first use)."""
    global _replicas
    timeout = get_replica_settings().replica_connect_timeout_s
    _replicas = Replicas([Replica(u, make_engine(_asyncpg(u), connect_timeout=timeout)) for u in urls or []])
    return _replicas


def replicas() -> Replicas:
    if _replicas is None:
        return configure(get_replica_settings().database_replica_urls)
    return _replicas


async def dispose_replicas() -> None:
    global _replicas
    if _replicas is not None:
        await _replicas.dispose()
    _replicas = None


def enabled() -> bool:
    """Are any replicas configured? (Cheap: asked on every request.)"""
    if _replicas is not None:
        return bool(_replicas.members)
    return bool(get_replica_settings().database_replica_urls)


async def replica_session() -> AsyncSession | None:
    """A session on a replica that answered, its transaction begun; None: read the primary."""
    if not replica_allowed.get():
        return None
    pool = replicas()
    for replica in pool.in_turn():
        session = AsyncSession(replica.engine, expire_on_commit=False)
        try:
            await session.connection()  # a connection from the pool, pinged, and BEGIN
            if await replica.usable(session):
                return session
        except UNREACHABLE as exc:
            pool.failed(replica, exc)
        await session.close()
    return None


@asynccontextmanager
async def read_connection() -> AsyncIterator[AsyncConnection]:
    """A connection of its own for a stream that outlives the request's session (the exports):
    a replica's when this request may read one and one answers, else the primary's."""
    if replica_allowed.get():
        pool = replicas()
        for replica in pool.in_turn():
            try:
                conn = await replica.engine.connect()
            except UNREACHABLE as exc:
                pool.failed(replica, exc)
                continue
            try:
                current = await replica.usable(conn)
            except UNREACHABLE as exc:
                pool.failed(replica, exc)
                current = False
            if not current:
                await conn.close()
                continue
            try:
                yield conn
            finally:
                await conn.close()
            return
    async with get_engine().connect() as conn:
        yield conn
