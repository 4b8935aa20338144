"""Database engine, the declarative base, and the one owner of the transaction.

The request's session dependency (`get_session`, used as ``app.deps.Session`` with FastAPI's
``scope="function"``) commits when the handler returns — before the response is sent — and rolls
back when it raises; services and repositories only flush.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import uuid4

from sqlalchemy import MetaData, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from app.settings import get_settings

# Stable constraint names so that Alembic migrations name the same things every time.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_engine: AsyncEngine | None = None
_sessionmaker: async_sessionmaker[AsyncSession] | None = None


def make_engine(url: str | None = None, *, connect_timeout: float | None = None) -> AsyncEngine:
    settings = get_settings()
    # The JIT is useless for our short queries and costs tens of milliseconds on the first call
    # of each one. asyncpg prepares each statement once per connection, and after five runs
    # PostgreSQL may switch to a generic plan made without the values: one plan for a street's
    # bbox and the whole city's. On 1,000,000 rows the city's list went from 0.8 s to 5–6 s
    # once that happened; planning anew each time costs about a millisecond.
    server_settings = {"jit": "off", "plan_cache_mode": "force_custom_plan", "application_name": "hazardmap"}
    connect_args: dict[str, object] = {"server_settings": server_settings}
    target = make_url(url or settings.effective_database_url)
    if settings.db_pgbouncer:
        # Transaction pooling hands each transaction whichever server connection is free: a statement
        # prepared in one is unknown (or, by name, another's) in the next. So no statement cache in
        # asyncpg or SQLAlchemy, and a unique name for each statement prepared. PgBouncer refuses
        # startup parameters it does not know: jit and plan_cache_mode are set on the database
        # instead (ALTER DATABASE … SET, README "Several machines"); statements prepared once are planned
        # with their values anyway.
        connect_args = {
            "server_settings": {"application_name": "hazardmap"},
            "statement_cache_size": 0,
            "prepared_statement_name_func": _statement_name,
        }
        target = target.update_query_dict({"prepared_statement_cache_size": "0"})
    if connect_timeout is not None:
        connect_args["timeout"] = connect_timeout
    return create_async_engine(
        target,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
        connect_args=connect_args,
    )


def _statement_name() -> str:
    return f"__hazardmap_{uuid4().hex}__"


def get_engine() -> AsyncEngine:
    global _engine, _sessionmaker
    if _engine is None:
        _engine = make_engine()
        _sessionmaker = async_sessionmaker(_engine, expire_on_commit=False)
    return _engine


def set_engine(engine: AsyncEngine | None) -> None:
    """Point the service at another engine (tests, the CLI)."""
    global _engine, _sessionmaker
    _engine = engine
    _sessionmaker = async_sessionmaker(engine, expire_on_commit=False) if engine else None


async def dispose_engine() -> None:
    global _engine, _sessionmaker
    if _engine is not None:
        await _engine.dispose()
    _engine = None
    _sessionmaker = None


@asynccontextmanager
async def session_scope() -> AsyncIterator[AsyncSession]:
    """One transaction: commit on success, roll back on any exception."""
    get_engine()
    assert _sessionmaker is not None
    async with _sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def get_session() -> AsyncIterator[AsyncSession]:
    """FastAPI dependency: the request's transaction. Only through ``app.deps.Session``, whose
    ``scope="function"`` makes the commit happen before the response leaves."""
    async with session_scope() as session:
        yield session
