"""What the benches that build a large database share: its SQL files, and reusing the database when it
still holds the same data set (a comment on the database names it) instead of building it again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from rich.console import Console

from app import migrate, sqlfiles
from app.cluster import Cluster


def bench_sql(name: str) -> str:
    """bench/sql/<name>.sql without its comment lines (a comment may name a bind parameter)."""
    lines = sqlfiles.load("bench", name).splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("--"))


def reuse_or_build(
    cluster: Cluster,
    database: str,
    marker: str,
    *,
    reload: bool,
    what: str,
    rows: int,
    load: Callable[[str], Coroutine[Any, Any, None]],
    console: Console,
) -> None:
    """Reuse ``database`` if its comment is ``marker`` (migrated to the head), else build it anew:
    drop, create, migrate, ``load(url)``, then mark it."""
    url = cluster.url(database)
    found = cluster.psql(
        f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{database}'"
    )
    if found == marker and not reload:
        migrate.upgrade(url)  # a no-op unless a migration was added since the data was loaded
        console.print(f"==> reusing the {what} {database!r} ({rows:,} hazards); --reload rebuilds it")
        return
    console.print(f"==> building the {what} {database!r} on 127.0.0.1:{cluster.port}")
    cluster.drop_database(database)
    cluster.ensure_database(database)
    t = time.perf_counter()
    migrate.upgrade(url)
    console.print(f"    migrated ({time.perf_counter() - t:.1f} s)")
    asyncio.run(load(url))
    cluster.psql(f"COMMENT ON DATABASE \"{database}\" IS '{marker}'")
