"""The export query, read through a server-side cursor so that no export is held whole in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import cache
from typing import Any

from sqlalchemy import Row, text

from app import overdue
from app.db import get_engine
from app.hazards.repository import features_sql, filter_sql
from app.hazards.schemas import HazardFilter
from app.sqlfiles import load

PKG = "app.exports"
BATCH = 2000  # rows fetched from the cursor at a time


@cache
def _sql(where: str) -> str:
    return load(PKG, "features").replace("/*where*/", where).replace("/*features*/", features_sql())


async def batches(kind: str, f: HazardFilter) -> AsyncIterator[list[Row[Any]]]:
    """The matching rows in batches. Its own connection: the stream outlives the request handler."""
    where, params = filter_sql(kind, f)
    async with get_engine().connect() as conn:
        values = {**params, **overdue.params()}
        result = await conn.stream(text(_sql(where)), values, execution_options={"yield_per": BATCH})
        async for part in result.partitions(BATCH):
            yield list(part)
