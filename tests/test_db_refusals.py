"""What the database refuses reaches the client as a sentence naming the field, never as the
driver's text (table, constraint, SQL, asyncpg's class names)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import problems

PROBLEM = "application/problem+json"
SETUP = [
    "CREATE TEMP TABLE refusal_probe (code varchar(4) NOT NULL UNIQUE, n smallint, day date, "
    "CONSTRAINT probe_positive CHECK (n > 0))",
    "INSERT INTO refusal_probe (code, n) VALUES ('A1', 1)",
]
CASES = {
    "long": ("INSERT INTO refusal_probe (code) VALUES ('ABCDEFG')", 422, "body", "a text is longer"),
    "range": ("INSERT INTO refusal_probe (code, n) VALUES ('B', 99999)", 422, "body", "a number is out of"),
    "kind": ("SELECT CAST('many' AS integer)", 422, "body", "a value is not of the expected kind"),
    "missing": ("INSERT INTO refusal_probe (n) VALUES (2)", 422, "code", "a required value is missing"),
    "repeat": ("INSERT INTO refusal_probe (code) VALUES ('A1')", 409, "body", "exists already"),
    "check": ("INSERT INTO refusal_probe (code, n) VALUES ('C', -1)", 422, "body", "outside what this field"),
    "year": ("SELECT CAST('2026-13-01' AS date)", 422, "body", "a date or time"),
}
DRIVER_WORDS = ("asyncpg", "refusal_probe", "probe_positive", "violates", "DETAIL", "SQL", "INSERT", "syntax")


@pytest.fixture
async def probe(engine: AsyncEngine) -> httpx.AsyncClient:
    app = FastAPI()
    problems.install(app)

    @app.get("/probe/{case}")
    async def run(case: str) -> None:
        async with engine.connect() as conn:
            for statement in SETUP:
                await conn.execute(text(statement))
            await conn.execute(text(CASES[case][0]))

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe")


@pytest.mark.parametrize("case", list(CASES))
async def test_database_refusals_carry_no_driver_text(probe: httpx.AsyncClient, case: str) -> None:
    _, status, field, fragment = CASES[case]
    r = await probe.get(f"/probe/{case}")
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    [error] = r.json()["errors"]
    assert error["field"] == field and fragment in error["message"], error
    assert not any(word in r.text for word in DRIVER_WORDS), r.text
