"""Fault drill: job workers killed (SIGKILL) again and again while imports run; what was lost?

A cluster of its own (``var/pg-bench-jobs``), the real service (uvicorn) on loopback, ``--workers``
``hazardmap worker`` processes, and ``--imports`` CSV imports of ``--rows`` rows each posted at
once. Every ``--kill-every`` seconds (``--kills`` times) a worker busy with an import is killed with
SIGKILL (no goodbye to the database: its transaction dies with its connection) and a new worker is
started in its place. The queue's stalled-job check (heartbeats: ``HAZARDMAP_JOBS_STALLED_S``) runs each
killed job again, up to ``HAZARDMAP_JOBS_STALLED_RETRIES`` times, then fails it.

Afterwards, for every import: its status, and the hazards that carry its job id, against the rows
it says it wrote. Printed: imports succeeded / failed by the queue / never finished; rows lost
(written by a job that says it succeeded, but missing), rows written twice (a job run again after it
had committed) and rows of imports that did not succeed — all must be 0, and every import must end
(succeeded, or failed by the queue); the run exits 1 otherwise.

    .venv/bin/python -m bench.jobs_fault_drill             # 12 imports × 3,000 rows, 2 workers, 6 kills
    .venv/bin/python -m bench.jobs_fault_drill --imports 20 --rows 5000 --kills 10 --retries 1
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app import migrate
from app.cluster import Cluster
from app.settings import PROJECT_ROOT
from bench.servers import auth_headers, service_env, uvicorn_app

CLUSTER_DIR = PROJECT_ROOT / "var" / "pg-bench-jobs"
DATABASE = "hazardmap_jobs_drill"
RESULTS = PROJECT_ROOT / "bench" / "results"
HAZARDMAP = Path(sys.executable).parent / "hazardmap"
# procrastinate's log lines (its worker's name is host-pid, app.jobs.worker).
STARTED = re.compile(
    r"procrastinate\.worker\.\S+-(?P<pid>\d+): Starting job imports\.hazards\[(?P<job>\d+)\]"
)
ENDED = re.compile(r"Job imports\.hazards\[(?P<job>\d+)\].* ended with status")
# Inside 东昌府区: a grid of pins, a little apart.
ORIGIN = (115.94, 36.43)


def prepare(cluster: Cluster) -> str:
    cluster.up(DATABASE)
    url = cluster.url(DATABASE)
    migrate.upgrade(url)
    asyncio.run(_load_geodata(url))
    # Each drill starts from an empty queue and ledger: an earlier, interrupted drill's jobs would
    # otherwise run on (their uploads gone with its folder).
    cluster.psql(
        "TRUNCATE procrastinate_jobs, procrastinate_workers, procrastinate_periodic_defers,"
        " import_jobs, hazard_events, hazards, ledger_counters RESTART IDENTITY CASCADE",
        DATABASE,
    )
    return url


async def _load_geodata(url: str) -> None:
    from app.geodata.shipped import load_shipped

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            roads = (await conn.execute(text("SELECT count(*) FROM roads"))).scalar_one()
        if not roads:
            await load_shipped(engine)
    finally:
        await engine.dispose()


def write_csv(path: Path, rows: int, seed: int) -> Path:
    rnd = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["lon", "lat", "category", "grade", "description"])
        for _ in range(rows):
            w.writerow(
                [
                    round(ORIGIN[0] + rnd.uniform(0, 0.06), 6),
                    round(ORIGIN[1] + rnd.uniform(0, 0.04), 6),
                    "SS01",
                    "一般",
                    "故障演练：导入时作业进程被强行终止",
                ]
            )
    return path


class Workers:
    """The worker processes; ``replace`` kills one (SIGKILL) and starts another."""

    def __init__(self, env: dict[str, str], n: int, log: Path) -> None:
        self.env, self.log_path = env, log
        self.log = log.open("ab")
        self.procs = [self._start() for _ in range(n)]
        self.killed = 0

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [str(HAZARDMAP), "worker"],
            env=self.env,
            cwd=PROJECT_ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def busy(self) -> list[subprocess.Popen[bytes]]:
        """Workers running an import now: their log names the jobs they started and which ended."""
        started: dict[str, int] = {}
        ended: set[str] = set()
        with self.log_path.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                if m := STARTED.search(line):
                    started[m["job"]] = int(m["pid"])
                elif m := ENDED.search(line):
                    ended.add(m["job"])
        pids = {pid for job, pid in started.items() if job not in ended}
        return [p for p in self.procs if p.pid in pids and p.poll() is None]

    def kill_one(self) -> int | None:
        """Kill a busy worker (SIGKILL) and start another in its place; the pid killed."""
        busy = self.busy()
        if not busy:
            return None
        victim = random.choice(busy)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        self.procs[self.procs.index(victim)] = self._start()
        self.killed += 1
        return victim.pid

    def stop(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        self.log.close()


async def outcome(url: str) -> dict[str, Any]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            jobs = (
                await conn.execute(
                    text("SELECT id, status, rows_written, error FROM import_jobs ORDER BY id")
                )
            ).all()
            found: dict[int, int] = dict(
                (
                    await conn.execute(
                        text(
                            "SELECT CAST(split_part(created_by, ':', 2) AS bigint), count(*) FROM hazards"
                            " WHERE created_by LIKE 'import:%' GROUP BY 1"
                        )
                    )
                ).all()
            )
            queue: Counter[str] = Counter(
                dict(
                    (
                        await conn.execute(
                            text(
                                "SELECT status::text || ' after ' || attempts || ' run(s)', count(*)"
                                " FROM procrastinate_jobs WHERE task_name = 'imports.hazards' GROUP BY 1"
                            )
                        )
                    ).all()
                )
            )
    finally:
        await engine.dispose()
    statuses = Counter(j.status for j in jobs)
    lost = sum(max(0, j.rows_written - found.get(j.id, 0)) for j in jobs if j.status == "succeeded")
    twice = sum(max(0, found.get(j.id, 0) - j.rows_written) for j in jobs)
    orphans = sum(found.get(j.id, 0) for j in jobs if j.status != "succeeded")
    return {
        "imports": len(jobs),
        "statuses": dict(statuses),
        "queue": dict(queue),
        "rows_written_reported": sum(j.rows_written for j in jobs),
        "rows_in_ledger": sum(found.values()),
        "rows_lost": lost,
        "rows_written_twice": twice,
        "rows_of_unfinished_or_failed_imports": orphans,
        "errors": sorted({j.error for j in jobs if j.error}),
    }


async def drill(
    base: str, files: list[Path], workers: Workers, kill_every: float, kills: int, limit_s: float
) -> list[str]:
    async with httpx.AsyncClient(base_url=base, headers=auth_headers(), timeout=60) as http:
        locations = []
        for path in files:
            r = await http.post(
                "/api/v1/imports", files={"file": (path.name, path.read_bytes())}, data={"mode": "valid-rows"}
            )
            r.raise_for_status()
            locations.append(r.headers["Location"])
        deadline = time.monotonic() + limit_s
        next_kill = time.monotonic() + kill_every
        while time.monotonic() < deadline:
            states = [(await http.get(loc)).json()["status"] for loc in locations]
            if all(s in ("succeeded", "failed") for s in states):
                break
            if workers.killed < kills and time.monotonic() >= next_kill:
                pid = workers.kill_one()
                if pid is not None:
                    print(f"    killed worker {pid}, busy with an import ({dict(Counter(states))})")
                next_kill = time.monotonic() + kill_every
            await asyncio.sleep(0.5)
        return locations


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.jobs_fault_drill", description=__doc__.split("\n\n")[0])
    p.add_argument("--imports", type=int, default=12, help="imports posted at once (12)")
    p.add_argument("--rows", type=int, default=3000, help="rows per import (3000)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (2)")
    p.add_argument("--kill-every", type=float, default=8.0, help="seconds between kills (8)")
    p.add_argument("--kills", type=int, default=6, help="workers killed in all (6); then the rest runs out")
    p.add_argument("--retries", type=int, default=2, help="HAZARDMAP_JOBS_STALLED_RETRIES (2)")
    p.add_argument("--limit", type=float, default=600.0, help="give up after this many seconds (600)")
    p.add_argument("--port", type=int, default=54357, help="the drill cluster's port (54357)")
    p.add_argument("--keep", action="store_true", help="leave the cluster running afterwards")
    args = p.parse_args(argv)

    cluster = Cluster(path=CLUSTER_DIR, port=args.port)
    print(f"==> drill cluster {CLUSTER_DIR} on 127.0.0.1:{args.port}")
    url = prepare(cluster)
    folder = Path(tempfile.mkdtemp(prefix="jobs-drill-"))
    files = [write_csv(folder / f"drill-{i:02d}.csv", args.rows, seed=i) for i in range(args.imports)]
    env = {
        **service_env(url, role="admin"),
        "HAZARDMAP_IMPORT_DIR": str(folder / "spool"),
        "HAZARDMAP_PUBLIC_URL": "http://127.0.0.1",  # production requires it; no link is followed here
        "HAZARDMAP_JOBS_HEARTBEAT_S": "1",
        "HAZARDMAP_JOBS_STALLED_S": "4",
        "HAZARDMAP_JOBS_STALLED_CHECK_S": "2",
        "HAZARDMAP_JOBS_STALLED_RETRIES": str(args.retries),
    }
    os.environ.update({k: v for k, v in env.items() if k.startswith("HAZARDMAP_")})
    workers = Workers(env, args.workers, PROJECT_ROOT / "var" / "jobs_fault_drill-workers.log")
    start = time.monotonic()
    try:
        log = PROJECT_ROOT / "var" / "jobs_fault_drill-server.log"
        with uvicorn_app("app.main:app", env, "/healthz", log=log, timeout_s=240) as base:
            print(
                f"==> {args.imports} imports of {args.rows:,} rows, {args.workers} workers, "
                f"one killed every {args.kill_every:g} s ({args.kills} in all), {args.retries} retries"
            )
            asyncio.run(drill(base, files, workers, args.kill_every, args.kills, args.limit))
        elapsed = time.monotonic() - start
        result = {**asyncio.run(outcome(url)), "workers_killed": workers.killed, "seconds": round(elapsed, 1)}
    finally:
        workers.stop()
        if not args.keep:
            cluster.stop()
    result["args"] = vars(args)
    for key, value in result.items():
        print(f"    {key:<38} {value}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"jobs_fault_drill-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(f"==> {out.relative_to(PROJECT_ROOT)}")
    unfinished = result["imports"] - sum(result["statuses"].get(k, 0) for k in ("succeeded", "failed"))
    if result["rows_lost"] or result["rows_written_twice"] or result["rows_of_unfinished_or_failed_imports"]:
        raise SystemExit("rows were lost or written twice")
    if unfinished:
        raise SystemExit(f"{unfinished} import(s) never finished")


if __name__ == "__main__":
    main()
