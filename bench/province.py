"""Benchmark: a province's ledger (10,000,000 hazards in 16 cities' counties) on this machine, and
what the service's reads cost over it, side by side with the SQL they run.

    python -m bench.province                 # builds the bench database once (≈ 20–30 min), then measures
    python -m bench.province --rows 1000000  # a smaller province (rebuilds when the size differs)
    python -m bench.province --reload        # rebuilds

See bench/README.md ("province") for what is measured and the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import shutil
import statistics
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from app.cluster import Cluster
from app.demo.texts import finding
from app.settings import PROJECT_ROOT
from bench.databases import bench_sql, reuse_or_build
from bench.servers import auth_headers, service_env, uvicorn_app

console = Console(width=max(132, shutil.get_terminal_size().columns))

CLUSTER_DIR = PROJECT_ROOT / "var" / "pg-bench-province"
PORT = int(os.environ.get("HAZARDMAP_PROVINCE_PORT", "54400"))
DATABASE = "hazardmap_province"
RESULTS = Path(__file__).resolve().parent / "results"

ROWS = 10_000_000
SEED = 370000
GENERATOR = 1  # bump when the generator's SQL changes what it writes
SHIPPED_CITY = "371500"
# The other fifteen cities of Shandong by their adcode prefix (3712, Laiwu, was merged into Jinan),
# each a copy of the shipped city moved on a 4 × 4 grid of (1.5°, 1.3°) steps.
OTHER_CITIES = ["3701", "3702", "3703", "3704", "3705", "3706", "3707", "3708", "3709", "3710",
                "3711", "3713", "3714", "3716", "3717"]  # fmt: skip
STEP = (1.5, 1.3)
COUNTY = "371502"  # the county whose map, filtered list and deep page are measured
LIMIT = 100
SERVICE_PORT = 54414


def _marker(rows: int) -> str:
    return (
        f"hazardmap province bench: {rows} synthetic hazards in 16 cities, generator {GENERATOR}, seed {SEED}"
    )


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


# -- the database ------------------------------------------------------------------------------------


def prepare_database(cluster: Cluster, rows: int, reload: bool) -> None:
    reuse_or_build(
        cluster,
        DATABASE,
        _marker(rows),
        reload=reload,
        what="province database",
        rows=rows,
        load=lambda url: _load(url, rows),
        console=console,
    )


async def _load(url: str, rows: int) -> None:
    from app.geodata.shipped import load_shipped

    engine = create_async_engine(url)
    began = time.perf_counter()
    try:
        t = time.perf_counter()
        report = await load_shipped(engine)
        console.print(f"    shipped geodata loaded: {report.summary()} ({time.perf_counter() - t:.1f} s)")
        async with engine.begin() as conn:
            grid = [(i, j) for j in range(4) for i in range(4) if (i, j) != (0, 0)]
            await conn.execute(
                text(bench_sql("province_cities")),
                {
                    "prefixes": OTHER_CITIES,
                    "dx": [STEP[0] * i for i, _ in grid],
                    "dy": [STEP[1] * j for _, j in grid],
                },
            )
            counties = (
                await conn.execute(text("SELECT count(*) FROM jurisdictions WHERE level = 'county'"))
            ).scalar_one()
            console.print(f"    15 more cities copied from the shipped one: {counties} counties in all")
            indexes = await _drop_indexes(conn)
        wordings = {}
        async with engine.connect() as conn:
            for (code,) in await conn.execute(text("SELECT code FROM categories")):
                found, advice = finding(code, 0)
                wordings[code] = f"主要隐患:{found}。整改意见:{advice}。"
        cities = [SHIPPED_CITY] + [f"{p}00" for p in OTHER_CITIES]
        # Cumulative rounding: the cities' shares add up to exactly ``rows``.
        shares = [
            round(rows * (k + 1) / len(cities)) - round(rows * k / len(cities)) for k in range(len(cities))
        ]
        for k, (city, n) in enumerate(zip(cities, shares, strict=True)):
            t = time.perf_counter()
            # One transaction per city, so that a sort spills no more than a city's rows.
            async with engine.begin() as conn:
                await conn.execute(text("SET LOCAL session_replication_role = replica"))
                await conn.execute(text("SET LOCAL work_mem = '256MB'"))
                await conn.execute(text("SELECT setseed(:s)"), {"s": (SEED + k) / 1e6})
                await conn.execute(
                    text(bench_sql("province_hazards")),
                    {
                        "n": n,
                        "city": city,
                        "seed": SEED + k,
                        "wordings": json.dumps(wordings, ensure_ascii=False),
                    },
                )
            console.print(
                f"    city {city}: {n:,} hazards ({time.perf_counter() - t:.1f} s; "
                f"{time.perf_counter() - began:.0f} s so far)"
            )
        async with engine.begin() as conn:
            await conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
            await conn.execute(
                text(
                    "INSERT INTO ledger_counters AS c (county_code, year, last_value)"
                    " SELECT county_code, split_part(ledger_no, '-', 2)::int,"
                    "        max(split_part(ledger_no, '-', 3)::int)"
                    "   FROM hazards GROUP BY 1, 2"
                    " ON CONFLICT (county_code, year)"
                    " DO UPDATE SET last_value = greatest(c.last_value, EXCLUDED.last_value)"
                )
            )
            t = time.perf_counter()
            for _, definition in indexes:
                await conn.execute(text(definition))
            console.print(f"    {len(indexes)} secondary indexes rebuilt ({time.perf_counter() - t:.1f} s)")
            if await conn.scalar(text("SELECT to_regproc('hazard_counts_rebuild') IS NOT NULL")):
                # Written with the triggers off, hazard_counts' among them: counted afresh.
                await conn.execute(text("SELECT hazard_counts_rebuild()"))
    finally:
        await engine.dispose()
    conn2 = await asyncpg.connect(_plain(url))
    try:
        t = time.perf_counter()
        await conn2.execute("VACUUM (ANALYZE) hazards")
        await conn2.execute("ANALYZE")
        console.print(f"    VACUUM ANALYZE ({time.perf_counter() - t:.1f} s)")
    finally:
        await conn2.close()
    console.print(f"    built in {time.perf_counter() - began:.0f} s")


async def _drop_indexes(conn: AsyncConnection) -> list[tuple[str, str]]:
    """Drop the hazards' secondary indexes (rebuilt once after the load, several times faster than
    row by row); the constraint indexes (primary key, unique) stay. Returns their definitions."""
    indexes = [
        (str(name), str(definition))
        for name, definition in (
            await conn.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes"
                    " WHERE schemaname = current_schema() AND tablename = 'hazards'"
                    "   AND indexname NOT IN (SELECT conname FROM pg_constraint"
                    "                          WHERE conrelid = 'hazards'::regclass)"
                    " ORDER BY indexname"
                )
            )
        ).all()
    ]
    for name, _ in indexes:
        await conn.execute(text(f'DROP INDEX "{name}"'))
    return indexes


# -- measuring -------------------------------------------------------------------------------------


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def scenarios(cluster: Cluster) -> dict[str, str]:
    """What is measured: the paths a client asks for, over the shipped city's county ``COUNTY``."""
    box = cluster.psql(
        "SELECT concat_ws(',', round(ST_XMin(e)::numeric, 4), round(ST_YMin(e)::numeric, 4),"
        " round(ST_XMax(e)::numeric, 4), round(ST_YMax(e)::numeric, 4))"
        " FROM (SELECT ST_Expand(ST_Envelope(geom), 0.03) AS e FROM jurisdictions"
        f" WHERE code = '{COUNTY}') b",
        database=DATABASE,
    )
    seat = cluster.psql(
        "SELECT ST_X(c) || ' ' || ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) AS c FROM jurisdictions"
        f" WHERE code = '{COUNTY}') s",
        database=DATABASE,
    )
    lon, lat = (float(v) for v in seat.split())
    page = f"/api/v1/hazards?limit={LIMIT}"
    out = {
        "list: first page (the province)": page,
        "list: first page (a county)": f"{page}&county={COUNTY}",
        "list: filtered page (county + status)": f"{page}&county={COUNTY}&status=reported",
        "list: deep page (a county, offset 50,000)": f"{page}&county={COUNTY}&offset=50000",
        "list: deep page (the province, offset 1,000,000)": f"{page}&offset=1000000",
    }
    for z in (8, 12, 14):
        x, y = tile_of(lon, lat, z)
        out[f"tile z{z} (the county seat)"] = f"/tiles/hazards/{z}/{x}/{y}.mvt"
    # The county map at its fit (zoom 10): the grid of its viewport (cell ≈ 64 px), then the counts panel.
    cell = round(64 * 360 / (256 * 2**10), 6)
    out["county map: grid of the county (z10)"] = f"/api/v1/stats/grid?bbox={box}&cell={cell}"
    out["stats: county and city summaries"] = "/api/v1/stats"
    return out


@dataclass
class Figure:
    scenario: str
    path: str
    requests: int
    p50_ms: float
    max_ms: float
    sql_ms: float  # the database's execution time per request, all its statements (pg_stat_statements)
    statements: float  # statements per request
    top_sql_ms: float  # the slowest statement's mean
    top_sql: str
    kb: float


def _enable_statements(cluster: Cluster, database: str = DATABASE) -> None:
    """pg_stat_statements in the bench cluster (a restart the first time): the SQL's own time."""
    loaded = cluster.psql("SHOW shared_preload_libraries")
    if "pg_stat_statements" not in loaded:
        cluster.psql("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
        cluster.stop()
        cluster.up("postgres", fast=True)
    cluster.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", database=database)


async def measure(
    cluster: Cluster, base: str, paths: dict[str, str], runs: int, timeout_s: float
) -> list[Figure]:
    import httpx

    stats = await asyncpg.connect(_plain(cluster.url(DATABASE)))
    figures = []
    try:
        async with httpx.AsyncClient(base_url=base, timeout=timeout_s, headers=auth_headers()) as client:
            for name, path in paths.items():
                t0 = time.perf_counter()
                try:
                    r = await client.get(path)  # warm: caches, the worker's prepared statements
                except httpx.TimeoutException:
                    # Bounded: past the client's timeout the scenario is reported as such.
                    console.print(f"    {name}: no answer within {timeout_s:g} s")
                    figures.append(Figure(name, path, 0, math.inf, math.inf, math.inf, 0, math.inf, "", 0))
                    continue
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: HTTP {r.status_code} {r.text[:300]}")
                # A request of more than 10 s is timed once more, not ``runs`` times: the run stays bounded.
                n = runs if time.perf_counter() - t0 < 10 else 1
                await stats.execute("SELECT pg_stat_statements_reset()")
                latencies, size = [], 0
                for _ in range(n):
                    t0 = time.perf_counter()
                    r = await client.get(path)
                    latencies.append((time.perf_counter() - t0) * 1000)
                    size = len(r.content)
                rows = await stats.fetch(
                    "SELECT query, calls, total_exec_time FROM pg_stat_statements"
                    " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
                    "   AND query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC"
                )
                total = sum(row["total_exec_time"] for row in rows)
                top = rows[0] if rows else None
                figures.append(
                    Figure(
                        scenario=name,
                        path=path,
                        requests=n,
                        p50_ms=round(statistics.median(latencies), 1),
                        max_ms=round(max(latencies), 1),
                        sql_ms=round(total / n, 1),
                        statements=round(sum(row["calls"] for row in rows) / n, 1),
                        top_sql_ms=round(top["total_exec_time"] / max(top["calls"], 1), 1) if top else 0.0,
                        top_sql=" ".join(str(top["query"]).split())[:160] if top else "",
                        kb=round(size / 1000, 1),
                    )
                )
                f = figures[-1]
                console.print(
                    f"    {name}: p50 {f.p50_ms:,.1f} ms, SQL {f.sql_ms:,.1f} ms"
                    f" in {f.statements:g} statements"
                )
    finally:
        await stats.close()
    return figures


COUNTS = {
    "the province": ("", ""),
    "a county": (f" AND h.county_code = '{COUNTY}'", f" AND c.county_code = '{COUNTY}'"),
    "a county + status": (
        f" AND h.county_code = '{COUNTY}' AND h.status = 'reported'",
        f" AND c.county_code = '{COUNTY}' AND c.status = 'reported'",
    ),
}


async def count_figures(cluster: Cluster, runs: int) -> list[dict[str, Any]]:
    """numberMatched both ways, straight in PostgreSQL: counted over the ledger (what the list did) and
    summed from hazard_counts (what it does for these filters now); medians of ``runs``."""
    conn = await asyncpg.connect(_plain(cluster.url(DATABASE)))
    out = []
    try:
        for name, (ledger, counted) in COUNTS.items():
            row: dict[str, Any] = {"filter": name}
            for way, sql in (
                (
                    "ledger",
                    f"SELECT count(*) FROM hazards h WHERE h.kind = 'point' AND h.deleted_at IS NULL{ledger}",
                ),
                ("hazard_counts", f"SELECT sum(n) FROM hazard_counts c WHERE c.kind = 'point'{counted}"),
            ):
                times, value = [], None
                for _ in range(runs):
                    t0 = time.perf_counter()
                    value = await conn.fetchval(sql)
                    times.append((time.perf_counter() - t0) * 1000)
                row[f"{way}_ms"] = round(statistics.median(times), 2)
                row[way] = int(value or 0)
            if row["ledger"] != row["hazard_counts"]:
                raise RuntimeError(f"hazard_counts disagrees with the ledger for {name}: {row}")
            out.append(row)
            console.print(
                f"    count, {name}: ledger {row['ledger']:,} in {row['ledger_ms']:,.1f} ms; "
                f"hazard_counts {row['hazard_counts']:,} in {row['hazard_counts_ms']:,.2f} ms"
            )
    finally:
        await conn.close()
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.province", description=__doc__.split("\n\n")[0])
    p.add_argument("--reload", action="store_true", help="rebuild the province database")
    p.add_argument("--rows", type=int, default=ROWS, help=f"synthetic hazards (default {ROWS:,})")
    p.add_argument("--runs", type=int, default=5, help="requests per scenario, after one warm-up (5)")
    p.add_argument("--timeout", type=float, default=300, help="seconds a request may take (300)")
    p.add_argument("--only", default="", help="measure only the scenarios whose name contains this")
    args = p.parse_args(argv)
    load_before = os.getloadavg()
    cluster = Cluster(path=CLUSTER_DIR, port=PORT)
    console.print(f"==> province cluster {CLUSTER_DIR} on 127.0.0.1:{PORT} (throwaway: fsync off)")
    was_running = cluster.running()
    cluster.up("postgres", fast=True)
    try:
        cluster.ensure_database(DATABASE)
        prepare_database(cluster, args.rows, args.reload)
        _enable_statements(cluster)
        paths = {k: v for k, v in scenarios(cluster).items() if args.only in k}
        console.print(
            f"==> {len(paths)} scenarios, {args.runs} requests each (one client, one uvicorn worker)"
        )
        env = service_env(cluster.url(DATABASE))
        began = time.perf_counter()
        counts = asyncio.run(count_figures(cluster, 3))
        with uvicorn_app("app.main:app", env, "/healthz", port=SERVICE_PORT) as base:
            figures = asyncio.run(measure(cluster, base, paths, args.runs, args.timeout))
        load_after = os.getloadavg()
    finally:
        if not was_running:
            cluster.stop()
    table = Table(
        title=f"{args.rows:,} hazards, 128 counties in 16 cities; "
        f"load average {load_before[0]:.1f} → {load_after[0]:.1f}"
    )
    for column in ("scenario", "requests", "p50 ms", "max ms", "SQL ms", "stmts", "slowest stmt ms", "kB"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for f in figures:
        table.add_row(
            f.scenario, str(f.requests), f"{f.p50_ms:,.1f}", f"{f.max_ms:,.1f}", f"{f.sql_ms:,.1f}",
            f"{f.statements:g}", f"{f.top_sql_ms:,.1f}", f"{f.kb:,.1f}",
        )  # fmt: skip
    console.print(table)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"province-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "rows": args.rows,
                "runs": args.runs,
                "load_before": load_before,
                "load_after": load_after,
                "seconds": round(time.perf_counter() - began, 1),
                "machine": platform.platform(),
                "counts": counts,
                "figures": [asdict(f) for f in figures],
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    console.print(f"==> {out}")


if __name__ == "__main__":
    main()
