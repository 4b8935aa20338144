"""The chainage (桩号) formatter: the Python rule and the SQL rule agree, case by case."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.roads.chainage import chainage_sql, format_chainage

CASES: list[tuple[float | None, float | None, str | None]] = [
    (516600, None, "K516+600"),
    (516600, 517200, "K516+600-K517+200"),
    (0, None, "K0+000"),
    (15, None, "K0+015"),
    (257015, None, "K257+015"),
    (999.4, None, "K0+999"),
    (999.5, None, "K1+000"),  # half a metre rounds up
    (1000, 2000.5, "K1+000-K2+001"),
    (2362700, 2363200, "K2362+700-K2363+200"),
    (None, None, None),
    (None, 517200, None),
    (-5, None, None),
    (516600, -1, "K516+600"),
    (float("nan"), None, None),
    (516600, float("nan"), "K516+600"),
    (float("inf"), None, None),
]


@pytest.mark.parametrize(("start", "end", "expected"), CASES)
def test_python(start: float | None, end: float | None, expected: str | None) -> None:
    assert format_chainage(start, end) == expected


async def test_sql_agrees(engine: AsyncEngine) -> None:
    values = ", ".join(f"({i}, CAST(:s{i} AS float8), CAST(:e{i} AS float8))" for i in range(len(CASES)))
    params = {}
    for i, (start, end, _) in enumerate(CASES):
        params[f"s{i}"], params[f"e{i}"] = start, end
    sql = f"SELECT i, {chainage_sql('v.s', 'v.e')} FROM (VALUES {values}) v(i, s, e) ORDER BY i"
    async with engine.connect() as conn:
        got = [row[1] for row in await conn.execute(text(sql), params)]
    assert got == [expected for _, _, expected in CASES]


async def test_sql_start_only(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        got = (
            await conn.execute(text(f"SELECT {chainage_sql('CAST(:m AS float8)')}"), {"m": 77800})
        ).scalar()
    assert got == "K77+800"
