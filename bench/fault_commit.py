"""Fault drill: no acknowledged write is lost when PostgreSQL is killed again and again.

A cluster of its own (``var/pg-bench-fault``, durable settings: fsync and synchronous commit on), the
real service (uvicorn, one worker) on loopback, and 4 clients POSTing hazards for ``--seconds``
while the database is stopped with ``pg_ctl stop -m immediate`` (a crash: no checkpoint, no goodbye
to the clients) ``--stops`` times and started again. Afterwards every hazard answered 201 is looked
up in the database. Printed: requests acknowledged, refused (by status), lost; the time from each
restart to the first acknowledged write.

    .venv/bin/python -m bench.fault_commit                 # 75 s, 5 stops
    .venv/bin/python -m bench.fault_commit --seconds 90 --stops 6
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app import migrate
from app.cluster import Cluster
from app.settings import PROJECT_ROOT
from bench.servers import auth_headers, service_env, uvicorn_app

CLUSTER_DIR = PROJECT_ROOT / "var" / "pg-bench-fault"
DATABASE = "hazardmap_fault"
RESULTS = PROJECT_ROOT / "bench" / "results"
# Points well inside 东昌府区 (the township seats of 古楼 and 柳园), a little apart each time.
PLACES = [(115.959865, 36.461981), (115.98072, 36.427957)]
CLIENTS = 4


@dataclass
class Tally:
    acknowledged: dict[str, int] = field(default_factory=dict)  # uid → id answered 201
    refused: Counter[str] = field(default_factory=Counter)  # status (or transport error) → count
    ack_times: list[float] = field(default_factory=list)


def prepare(cluster: Cluster) -> str:
    cluster.up(DATABASE)  # durable: a stop -m immediate must not lose what PostgreSQL committed
    url = cluster.url(DATABASE)
    migrate.upgrade(url)
    asyncio.run(_load_geodata(url))
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


def feature(marker: str) -> dict[str, Any]:
    lon, lat = random.choice(PLACES)
    return {
        "type": "Feature",
        "geometry": {
            "type": "Point",
            "coordinates": [
                round(lon + random.uniform(-0.003, 0.003), 6),
                round(lat + random.uniform(-0.003, 0.003), 6),
            ],
        },
        "properties": {
            "category": "JC01",
            "reported_at": datetime.now(UTC).isoformat(),
            "description": "故障演练：数据库反复中断时提交的隐患",
            "uid": marker,
        },
    }


async def client(base: str, tally: Tally, done: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=base, headers=auth_headers(), timeout=30) as http:
        while not done.is_set():
            marker = str(uuid.uuid4())
            try:
                r = await http.post(
                    "/api/v1/hazards", json=feature(marker), params={"on_duplicate": "create"}
                )
            except httpx.HTTPError as exc:
                tally.refused[type(exc).__name__] += 1
                await asyncio.sleep(0.05)
                continue
            if r.status_code == 201:
                tally.acknowledged[marker] = int(r.json()["id"])
                tally.ack_times.append(time.monotonic())
            else:
                tally.refused[str(r.status_code)] += 1
                await asyncio.sleep(0.05)  # as a client honouring Retry-After would, but briefly


async def killer(
    cluster: Cluster, stops: int, seconds: float, down_s: float, done: asyncio.Event
) -> list[tuple[float, float]]:
    """Stop the database (immediate) ``stops`` times, evenly over the run; (stopped at, back at) each.
    The clients go on until ``seconds`` have passed and at least 10 s after the last restart."""
    pg_ctl = str(cluster.bindir() / "pg_ctl")
    start = time.monotonic()
    period = seconds / (stops + 1)
    marks = []
    for n in range(1, stops + 1):
        await asyncio.sleep(max(0.0, start + n * period - time.monotonic()))
        stopped = time.monotonic()
        await asyncio.to_thread(cluster._run, pg_ctl, "stop", "-m", "immediate", "-D", str(cluster.data_dir))
        await asyncio.sleep(down_s)
        await asyncio.to_thread(cluster.start)  # pg_ctl start -w: returns once it accepts connections
        marks.append((stopped, time.monotonic()))
    await asyncio.sleep(max(0.0, start + seconds - time.monotonic(), marks[-1][1] + 10 - time.monotonic()))
    done.set()
    return marks


async def drill(base: str, cluster: Cluster, seconds: float, stops: int, down_s: float) -> tuple[Tally, Any]:
    tally = Tally()
    done = asyncio.Event()
    clients = [client(base, tally, done) for _ in range(CLIENTS)]
    marks, *_ = await asyncio.gather(killer(cluster, stops, seconds, down_s, done), *clients)
    return tally, marks


async def stored(url: str, markers: list[str]) -> dict[str, int]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT uid::text, id FROM hazards WHERE uid = ANY(CAST(:m AS uuid[]))"), {"m": markers}
            )
            return {m: int(i) for m, i in rows.all()}
    finally:
        await engine.dispose()


async def last_id(url: str) -> int:
    return await _scalar(url, "SELECT coalesce(max(id), 0) FROM hazards")


async def stored_after(url: str, before: int) -> int:
    return await _scalar(url, f"SELECT count(*) FROM hazards WHERE id > {int(before)}")


async def _scalar(url: str, sql: str) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text(sql))).scalar_one())
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.fault_commit", description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=75.0, help="length of the drill (75)")
    p.add_argument("--stops", type=int, default=5, help="immediate stops of PostgreSQL (5)")
    p.add_argument("--down", type=float, default=2.0, help="seconds the database stays down each time (2)")
    p.add_argument("--port", type=int, default=54358, help="the drill cluster's port (54358)")
    p.add_argument("--keep", action="store_true", help="leave the cluster running afterwards")
    args = p.parse_args(argv)

    cluster = Cluster(path=CLUSTER_DIR, port=args.port)
    print(f"==> drill cluster {CLUSTER_DIR} on 127.0.0.1:{args.port}")
    url = prepare(cluster)
    before = asyncio.run(last_id(url))  # the drill's hazards are those after it
    env = service_env(url, role="admin")  # an administrator's API key: it may create hazards anywhere
    try:
        log = PROJECT_ROOT / "var" / "fault_commit-server.log"
        with uvicorn_app("app.main:app", env, "/healthz", log=log) as base:
            print(
                f"==> {CLIENTS} clients POST to {base} for {args.seconds:g} s, {args.stops} immediate stops"
            )
            tally, marks = asyncio.run(drill(base, cluster, args.seconds, args.stops, args.down))
        cluster.start()
        acknowledged = list(tally.acknowledged)
        found = asyncio.run(stored(url, acknowledged))
        lost = [m for m in acknowledged if m not in found]
        # Committed, but the answer never reached the client (the connection died after COMMIT):
        # harmless for the ledger, and what a client's retry with the same uid would find.
        extra = asyncio.run(stored_after(url, before)) - len(found)
    finally:
        if not args.keep:
            cluster.stop()

    recovery, outage = [], []
    for stopped, back in marks:
        after = [t for t in tally.ack_times if t >= back]
        recovery.append(round(min(after) - back, 2) if after else None)
        outage.append(round(back - stopped, 2))
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": args.seconds,
        "clients": CLIENTS,
        "stops": len(marks),
        "acknowledged": len(acknowledged),
        "refused": dict(sorted(tally.refused.items())),
        "lost": len(lost),
        "stored_without_acknowledgement": extra,
        "database_down_s": outage,
        "first_success_after_restart_s": recovery,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"fault_commit-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(f"==> {out.relative_to(PROJECT_ROOT)}; the service's log: var/fault_commit-server.log")
    if lost:
        print(f"LOST: {len(lost)} acknowledged hazards are not in the database, e.g. {lost[:3]}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
