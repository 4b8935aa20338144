"""`hazardmap users list`: each user with role, jurisdictions and e-mail address."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool


async def test_users_list_shows_each_users_email_address(isolated_db: str) -> None:
    eng = create_async_engine(isolated_db, poolclass=NullPool)
    try:
        async with eng.begin() as conn:
            await conn.execute(
                text("UPDATE users SET email = 'li.si@jj.example.cn' WHERE login = 't-officer'")
            )
            await conn.execute(text("UPDATE users SET email = NULL WHERE login = 't-viewer'"))
    finally:
        await eng.dispose()

    listed = await asyncio.to_thread(
        subprocess.run,
        [str(Path(sys.executable).parent / "hazardmap"), "users", "list"],
        env={**os.environ, "HAZARDMAP_DATABASE_URL": isolated_db, "COLUMNS": "250"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    header = next(line for line in listed.stdout.splitlines() if line.startswith("┃"))
    assert [c.strip() for c in header.split("┃")[1:-1]] == [
        "login",
        "name",
        "role",
        "jurisdictions",
        "e-mail",
        "disabled",
        "created",
    ]
    rows = {
        line.split("│")[1].strip(): [c.strip() for c in line.split("│")[1:-1]]
        for line in listed.stdout.splitlines()
        if line.startswith("│")
    }
    assert rows["t-officer"][:5] == [
        "t-officer",
        "东昌府民警",
        "county_officer",
        "371502",
        "li.si@jj.example.cn",
    ]
    assert rows["t-viewer"][4] == ""
