"""Benchmark: accident-prone identification over 1,000,000 crashes on the schematic network.

    python -m bench.detect              # reuses the crashes when the bench database has them
    python -m bench.detect --reload     # rebuilds the database

A throwaway cluster of its own (var/pg-bench-detect, port 54351): migrated, the shipped geodata
loaded, then a million crashes generated in SQL over five years: a background spread along
every road by length (mostly simple-procedure, property damage only) and a few hundred hot
spots. The figure is the time of ``run_detection`` with the default parameters (last 3 years,
500 m windows stepped by 50 m, 150 m points), the same code the API and ``hazardmap detect`` run.
Goal: under 60 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
from datetime import UTC, datetime

from rich.console import Console
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app import migrate
from app.cluster import Cluster
from app.crashes.detection import detection_params, run_detection
from app.settings import PROJECT_ROOT

console = Console(width=120)

CLUSTER_DIR = PROJECT_ROOT / "var" / "pg-bench-detect"
PORT = 54351
DATABASE = "hazardmap_bench_detect"
CRASHES = 1_000_000
HOT_SPOTS = 400  # each with HOT_SPOT_CRASHES crashes within ±150 m of its centre
HOT_SPOT_CRASHES = 25
SEED = 0.3715

# Generated set-wise: each crash picks a road by length (width_bucket over the running total),
# a chainage on it, a time in the last five years, and its severity; the point is where the
# chainage lies on the road (the same functions the service uses).
GENERATE = [
    "SELECT setseed(:seed)",
    """CREATE TEMP TABLE bench_roads AS
       SELECT id, start_chainage_m AS s, length_m AS len,
              road_measured(geom, start_chainage_m, length_m) AS m,
              sum(length_m) OVER (ORDER BY id) - length_m AS before,
              row_number() OVER (ORDER BY id) AS n
         FROM roads""",
    # The road is drawn once per crash (a volatile random() in a join condition would be drawn
    # once per pair of rows), then joined.
    """CREATE TEMP TABLE bench_spots AS
       WITH drawn AS MATERIALIZED (
           SELECT width_bucket(random() * (SELECT sum(len) FROM bench_roads),
                               (SELECT array_agg(before ORDER BY n) FROM bench_roads)) AS n,
                  random() AS u
             FROM generate_series(1, :spots))
       SELECT r.id, r.s + d.u * r.len AS centre FROM drawn d JOIN bench_roads r USING (n)""",
    """CREATE TEMP TABLE bench_positions AS
       WITH drawn AS MATERIALIZED (
           SELECT width_bucket(random() * (SELECT sum(len) FROM bench_roads),
                               (SELECT array_agg(before ORDER BY n) FROM bench_roads)) AS n,
                  random() AS u
             FROM generate_series(1, :background))
       SELECT r.id, r.s + d.u * r.len AS chainage, false AS hot,
              random() AS u_fatal, random() AS u_ordinary, random() AS u_count
         FROM drawn d JOIN bench_roads r USING (n)
       UNION ALL
       SELECT s.id, s.centre + (random() - 0.5) * 300, true, random(), random(), random()
         FROM bench_spots s, generate_series(1, :per_spot)""",
    # Severity comes from draws stored with each position: a random() in a LATERAL subquery
    # would be cached by the planner (Memoize) per value of "hot", not drawn per crash.
    """INSERT INTO crashes (occurred_at, geom, road_id, chainage_m, snap_distance_m, deaths, injuries,
                            procedure, crash_type, source_file)
       SELECT now() - random() * interval '5 years',
              road_point_at(r.m, least(greatest(p.chainage, r.s), r.s + r.len)),
              p.id, least(greatest(p.chainage, r.s), r.s + r.len), 0,
              CASE WHEN p.fatal THEN 1 + (p.u_count < 0.2)::int ELSE 0 END,
              CASE WHEN p.ordinary THEN 1 + (p.u_count * 3)::int ELSE 0 END,
              CASE WHEN p.ordinary OR p.fatal THEN 'ordinary' ELSE 'simple' END,
              'bench', 'bench/detect.py'
         FROM (SELECT *, u_fatal < CASE WHEN hot THEN 0.08 ELSE 0.003 END AS fatal,
                         u_ordinary < CASE WHEN hot THEN 0.40 ELSE 0.03 END AS ordinary
                 FROM bench_positions) AS p
         JOIN bench_roads r ON r.id = p.id""",
    "DROP TABLE bench_roads, bench_spots, bench_positions",
]


async def crash_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM crashes"))).scalar_one())


async def generate(engine: AsyncEngine) -> float:
    started = time.perf_counter()
    params = {
        "seed": SEED,
        "spots": HOT_SPOTS,
        "per_spot": HOT_SPOT_CRASHES,
        "background": CRASHES - HOT_SPOTS * HOT_SPOT_CRASHES,
    }
    async with engine.begin() as conn:
        for statement in GENERATE:
            used = {k: v for k, v in params.items() if f":{k}" in statement}
            await conn.execute(text(statement), used)
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE crashes"))
    return time.perf_counter() - started


async def measure(url: str, reload: bool) -> None:
    from app.geodata.shipped import load_shipped

    engine = create_async_engine(url)
    try:
        if reload or await crash_count(engine) == 0:
            report = await load_shipped(engine) if reload or not await _has_roads(engine) else None
            if report is not None:
                console.print(f"==> shipped geodata: {report.summary()}")
            console.print(f"==> generating {CRASHES:,} crashes in SQL…")
            console.print(f"    generated in {await generate(engine):.1f} s")
        async with engine.connect() as conn:
            facts = (
                await conn.execute(
                    text(
                        "SELECT (SELECT count(*) FROM roads) AS roads,"
                        " (SELECT round(sum(length_m) / 1000) FROM roads) AS km,"
                        " (SELECT count(*) FROM crashes) AS crashes,"
                        " (SELECT count(*) FROM crashes WHERE occurred_at >= now() - interval '3 years')"
                        " AS recent"
                    )
                )
            ).one()
        console.print(
            f"==> {facts.crashes:,} crashes ({facts.recent:,} in the last 3 years) "
            f"on {facts.roads} roads, {facts.km:,.0f} km"
        )
        params = detection_params(until=datetime.now(UTC))
        timings = []
        for attempt in ("first run", "second run"):
            async with engine.begin() as conn:
                summary = await run_detection(conn, params)
            timings.append(summary.seconds)
            console.print(
                f"    {attempt}: {summary.seconds:.2f} s — {summary.crashes_considered:,} crashes, "
                f"{summary.segments_found} segments and {summary.points_found} points found, "
                f"{summary.proposed} candidates stored"
            )
        verdict = "[green]under[/]" if max(timings) < 60 else "[red]over[/]"
        console.print(
            f"==> identification: {timings[0]:.2f} s (first), {timings[1]:.2f} s (second); "
            f"goal 60 s: {verdict} — {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}"
        )
    finally:
        await engine.dispose()


async def _has_roads(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        return bool((await conn.execute(text("SELECT count(*) FROM roads"))).scalar_one())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reload", action="store_true", help="rebuild the bench database")
    parser.add_argument("--keep", action="store_true", help="leave the cluster running afterwards")
    args = parser.parse_args()
    cluster = Cluster(path=CLUSTER_DIR, port=PORT)
    cluster.up("postgres", fast=True)
    try:
        if args.reload:
            cluster.drop_database(DATABASE)
        fresh = cluster.ensure_database(DATABASE)
        url = cluster.url(DATABASE)
        migrate.upgrade(url)
        asyncio.run(measure(url, reload=args.reload or fresh))
    finally:
        if not args.keep:
            cluster.stop()


if __name__ == "__main__":
    main()
