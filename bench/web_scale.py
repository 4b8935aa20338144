"""Benchmark: web throughput with 1, 2 and 4 web processes behind nginx, and the fixed cost of a
request against tipg, over a city ledger of a few thousand hazards (the queries themselves cheap).

    python -m bench.web_scale                      # both parts (≈ 5 minutes)
    python -m bench.web_scale --part scale         # only 1/2/4 processes behind nginx
    python -m bench.web_scale --part fixed         # only the fixed cost against tipg

See bench/README.md ("web_scale") for what is measured and the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app import migrate
from app.cluster import OWNER_ROLE, Cluster
from app.demo.texts import finding
from app.settings import PROJECT_ROOT
from bench.databases import bench_sql
from bench.list_bbox import _percentile
from bench.province import CLUSTER_DIR, PORT, _enable_statements, _plain, console, tile_of
from bench.servers import API_KEY_ENV, service_env, uvicorn_app
from bench.tipg_compare import TIPG_TABLE

DATABASE = "hazardmap_webscale"
RESULTS = Path(__file__).resolve().parent / "results"
ROWS = 5000
SEED = 371501
GENERATOR = 1
LIMIT = 100
PROCESSES = (1, 2, 4)
# Ports on 127.0.0.1: nginx for 1, 2 and 4 processes, then the web processes, then the fixed-cost servers.
NGINX_PORTS = {1: 54401, 2: 54402, 4: 54403}
WEB_PORTS = list(range(54404, 54411))  # 1 + 2 + 4 processes
TIPG_PORT, OURS_PORT, OURS_UNCACHED_PORT = 54411, 54412, 54413
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _marker(rows: int) -> str:
    return (
        f"hazardmap web_scale bench: {rows} synthetic hazards in the city, generator {GENERATOR}, seed {SEED}"
    )


# -- the database ------------------------------------------------------------------------------------


def prepare_database(cluster: Cluster, rows: int) -> None:
    url = cluster.url(DATABASE)
    marker = cluster.psql(
        f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{DATABASE}'"
    )
    if marker == _marker(rows):
        migrate.upgrade(url)
        console.print(f"==> reusing the bench database {DATABASE!r} ({rows:,} hazards)")
        return
    console.print(f"==> building the bench database {DATABASE!r} ({rows:,} hazards in the shipped city)")
    cluster.drop_database(DATABASE)
    cluster.ensure_database(DATABASE)
    migrate.upgrade(url)
    asyncio.run(_load(url, rows))
    cluster.psql(f"COMMENT ON DATABASE \"{DATABASE}\" IS '{_marker(rows)}'")


async def _load(url: str, rows: int) -> None:
    from app.geodata.shipped import load_shipped

    engine = create_async_engine(url)
    try:
        await load_shipped(engine)
        wordings = {}
        async with engine.connect() as conn:
            for (code,) in await conn.execute(text("SELECT code FROM categories")):
                found, advice = finding(code, 0)
                wordings[code] = f"主要隐患:{found}。整改意见:{advice}。"
        async with engine.begin() as conn:
            # As bench.province: the statement does the row triggers' work itself.
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
            await conn.execute(text("SELECT setseed(:s)"), {"s": SEED / 1e6})
            await conn.execute(
                text(bench_sql("province_hazards")),
                {
                    "n": rows,
                    "city": "371500",
                    "seed": SEED,
                    "wordings": json.dumps(wordings, ensure_ascii=False),
                },
            )
            await conn.execute(text("SET LOCAL session_replication_role = origin"))
            await conn.execute(
                text(
                    "INSERT INTO ledger_counters (county_code, year, last_value)"
                    " SELECT county_code, split_part(ledger_no, '-', 2)::int,"
                    "        max(split_part(ledger_no, '-', 3)::int)"
                    " FROM hazards GROUP BY 1, 2"
                )
            )
            await conn.execute(text("SELECT hazard_counts_rebuild()"))
    finally:
        await engine.dispose()
    conn2 = await asyncpg.connect(_plain(url))
    try:
        await conn2.execute("VACUUM (ANALYZE)")
    finally:
        await conn2.close()


def make_paths(cluster: Cluster, n: int = 200) -> dict[str, tuple[list[str], list[str]]]:
    """Ours and tipg's paths: a street's box (≈ 1.5 km) and the z14 tile around a hazard, ``n`` of each."""
    points = cluster.psql(
        "SELECT string_agg(ST_X(geom) || ' ' || ST_Y(geom), ',' ORDER BY id) FROM"
        f" (SELECT id, geom FROM hazards ORDER BY md5(id::text) LIMIT {int(n)}) h",
        database=DATABASE,
    )
    rng = random.Random(SEED)
    boxes, tiles = [], []
    for pair in points.split(","):
        x, y = (float(v) for v in pair.split())
        w = rng.uniform(0.012, 0.02)
        h = w * 0.6
        boxes.append(f"{x - w / 2:.5f},{y - h / 2:.5f},{x + w / 2:.5f},{y + h / 2:.5f}")
        tiles.append(tile_of(x, y, 14))
    return {
        "items (a street's box)": (
            [f"/ogc/collections/hazards/items?bbox={b}&limit={LIMIT}" for b in boxes],
            [f"/collections/{TIPG_TABLE}/items?bbox={b}&limit={LIMIT}&kind=point" for b in boxes],
        ),
        "MVT z14": (
            [f"/tiles/hazards/14/{x}/{y}.mvt" for x, y in tiles],
            [f"/collections/{TIPG_TABLE}/tiles/WebMercatorQuad/14/{x}/{y}" for x, y in tiles],
        ),
    }


async def _session_cookie(url: str) -> dict[str, str]:
    """A viewer's browser session in the bench database, as the login form would open it."""
    from app.accounts import service as accounts
    from app.accounts.permissions import Role
    from app.settings import get_settings

    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine) as session, session.begin():
            login = f"bench-{int(time.time())}"
            await accounts.add_user(
                session, login, role=Role.viewer, display_name="压测用户", password="bench-password-1"
            )
            issued = await accounts.open_session(session, await accounts.get_user(session, login))
    finally:
        await engine.dispose()
    return {"Cookie": f"{get_settings().cookie_name}={issued.token}"}


# -- servers ---------------------------------------------------------------------------------------


@contextmanager
def nginx(upstreams: list[str], port: int) -> Iterator[str]:
    """nginx on 127.0.0.1:``port`` in front of ``upstreams`` (base URLs), as the README's production
    section sets it up: HTTP/1.1 keep-alive to the web processes, least connections."""
    prefix = PROJECT_ROOT / "var" / f"web_scale-nginx-{port}"
    shutil.rmtree(prefix, ignore_errors=True)
    prefix.mkdir(parents=True)
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / sub).mkdir()
        (prefix / sub).chmod(0o777)  # nginx's workers run as nobody
    servers = "\n".join(f"    server {u.removeprefix('http://')};" for u in upstreams)
    conf = f"""
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  upstream hazardmap {{
    least_conn;
{servers}
    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://hazardmap;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }}
  }}
}}
"""
    (prefix / "nginx.conf").write_text(conf)
    proc = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=(prefix / "stderr.log").open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {proc.returncode}; see {prefix}/stderr.log")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not answer; see {prefix}/error.log")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextmanager
def tipg(url: str) -> Iterator[str]:
    env = {
        **os.environ,
        "DATABASE_URL": _plain(url),
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_DB_TABLES": f'["{TIPG_TABLE}"]',
        "TIPG_MAX_FEATURES_PER_TILE": "100000",
        "TIPG_DB_MAX_CONN_SIZE": "10",
    }
    with uvicorn_app("tipg.main:app", env, f"/collections/{TIPG_TABLE}", port=TIPG_PORT) as base:
        yield base


# -- load ------------------------------------------------------------------------------------------


def load(
    base: str,
    paths: list[str],
    concurrency: int,
    requests: int,
    seconds: float,
    encoding: str,
    credentials: dict[str, str] | None,
) -> dict[str, Any]:
    """bench.urlload in a process of its own (the servers keep the cores they would have)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(paths, f)
    try:
        cmd = [
            sys.executable, "-m", "bench.urlload", "--base", base, "--paths", f.name,
            "--concurrency", str(concurrency), "--requests", str(requests), "--seconds", str(seconds),
            "--encoding", encoding, "--timeout", "120",
        ]  # fmt: skip
        if credentials is not None:
            cmd += ["--credentials", json.dumps(credentials)]
        proc = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    finally:
        Path(f.name).unlink()
    if proc.returncode != 0:
        raise RuntimeError(f"the load generator failed: {proc.stderr.strip()}")
    result: dict[str, Any] = json.loads(proc.stdout)
    if result["error_count"]:
        raise RuntimeError(f"{base}: {result['error_count']} errors, e.g. {result['errors'][:3]}")
    return result


def summary(result: dict[str, Any]) -> dict[str, float]:
    ordered = sorted(result["latencies_ms"])
    n = max(1, len(ordered))
    return {
        "requests": len(ordered),
        "rps": round(len(ordered) / result["elapsed_s"], 1),
        "p50": round(_percentile(ordered, 0.5), 2),
        "p95": round(_percentile(ordered, 0.95), 2),
        "kb": round(result["bytes"] / n / 1000, 2),
    }


async def _statements(url: str) -> tuple[float, float]:
    """Statements executed in the bench database so far, and their time in ms (pg_stat_statements)."""
    conn = await asyncpg.connect(_plain(url))
    try:
        row = await conn.fetchrow(
            "SELECT coalesce(sum(calls), 0), coalesce(sum(total_exec_time), 0) FROM pg_stat_statements"
            " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
            "   AND query NOT LIKE '%pg_stat_statements%'"
        )
        assert row is not None
        return float(row[0]), float(row[1])
    finally:
        await conn.close()


# -- the parts -------------------------------------------------------------------------------------


def part_scale(
    url: str, paths: dict[str, tuple[list[str], list[str]]], args: argparse.Namespace
) -> list[dict[str, Any]]:
    """1, 2 and 4 web processes behind nginx (and 1 without it), at concurrency ``args.concurrency``."""
    env = service_env(url)
    key = {"X-API-Key": os.environ[API_KEY_ENV]}
    out: list[dict[str, Any]] = []
    with ExitStack() as stack:
        ports = iter(WEB_PORTS)
        fronts: dict[str, str] = {}
        direct = ""
        for n in PROCESSES:
            ups = []
            for _ in range(n):
                port = next(ports)
                log = PROJECT_ROOT / "var" / f"web_scale-web-{port}.log"
                ups.append(
                    stack.enter_context(uvicorn_app("app.main:app", env, "/healthz", log=log, port=port))
                )
            direct = direct or ups[0]
            fronts[f"nginx → {n} process{'es' if n > 1 else ''}"] = stack.enter_context(
                nginx(ups, NGINX_PORTS[n])
            )
        configs = {"1 process, no nginx": direct, **fronts}
        console.print(f"==> {len(configs)} configurations up: {', '.join(configs)}")
        tally: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for rnd in range(args.rounds):
            names = list(configs)
            names = names[rnd % len(names) :] + names[: rnd % len(names)]  # the order rotates
            for scenario, (ours, _) in paths.items():
                for name in names:
                    # Warm every process's pool and prepared statements first (least_conn spreads them).
                    load(configs[name], ours, args.concurrency, args.concurrency * 2, 30, "gzip", key)
                    raw = load(
                        configs[name], ours, args.concurrency, args.requests, args.seconds, "gzip", key
                    )
                    tally.setdefault((scenario, name), []).append(raw)
                    s = summary(raw)
                    console.print(
                        f"    round {rnd + 1}, {scenario}, {name}: {s['rps']} req/s, p50 {s['p50']} ms"
                    )
        for (scenario, name), raws in tally.items():
            merged = {
                "latencies_ms": [v for r in raws for v in r["latencies_ms"]],
                "elapsed_s": sum(r["elapsed_s"] for r in raws),
                "bytes": sum(r["bytes"] for r in raws),
            }
            out.append({"scenario": scenario, "configuration": name, **summary(merged)})
    return out


def part_fixed(
    url: str, owner_url: str, paths: dict[str, tuple[list[str], list[str]]], args: argparse.Namespace
) -> list[dict[str, Any]]:
    """One client, one process each: tipg (anonymous) and ours signed in by API key or session cookie,
    with the per-process memory of credentials (HAZARDMAP_AUTH_CACHE_S) on and off."""
    env = service_env(url)
    key = {"X-API-Key": os.environ[API_KEY_ENV]}
    cookie = asyncio.run(_session_cookie(url))
    out: list[dict[str, Any]] = []
    log = PROJECT_ROOT / "var" / "web_scale-fixed.log"
    with ExitStack() as stack:
        # tipg wants a host in its URL: the owner's role over TCP (the superuser comes by the socket).
        theirs = stack.enter_context(tipg(owner_url))
        ours = stack.enter_context(uvicorn_app("app.main:app", env, "/healthz", log=log, port=OURS_PORT))
        uncached = stack.enter_context(
            uvicorn_app(
                "app.main:app",
                {**env, "HAZARDMAP_AUTH_CACHE_S": "0"},
                "/healthz",
                log=log,
                port=OURS_UNCACHED_PORT,
            )
        )
        variants: list[tuple[str, str, int, dict[str, str] | None]] = [
            ("tipg, anonymous", theirs, 1, {}),
            ("ours, API key", ours, 0, key),
            ("ours, session cookie", ours, 0, cookie),
            ("ours, API key, no credential memory", uncached, 0, key),
            ("ours, session cookie, no credential memory", uncached, 0, cookie),
        ]
        for scenario, pair in paths.items():
            for encoding in ("identity", "gzip"):
                for name, base, which, credentials in variants:
                    load(base, pair[which], 1, 20, 30, encoding, credentials)  # warm
                    before = asyncio.run(_statements(url))
                    raw = load(base, pair[which], 1, args.requests, args.seconds, encoding, credentials)
                    calls, ms = (a - b for a, b in zip(asyncio.run(_statements(url)), before, strict=True))
                    s = summary(raw)
                    # What the database did per request (pg_stat_statements): deterministic where wall
                    # time on a shared machine is not.
                    s["statements"] = round(calls / max(s["requests"], 1), 2)
                    s["sql_ms"] = round(ms / max(s["requests"], 1), 2)
                    out.append({"scenario": scenario, "encoding": encoding, "server": name, **s})
                    console.print(
                        f"    {scenario}, {encoding}, {name}: {s['rps']} req/s, p50 {s['p50']} ms, "
                        f"{s['statements']} statements ({s['sql_ms']} ms) per request"
                    )
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.web_scale", description=__doc__.split("\n\n")[0])
    p.add_argument("--part", choices=("both", "scale", "fixed"), default="both")
    p.add_argument("--rows", type=int, default=ROWS, help=f"synthetic hazards in the city ({ROWS:,})")
    p.add_argument("--concurrency", type=int, default=16, help="clients for the scale part (16)")
    p.add_argument("--requests", type=int, default=400, help="requests per run at most (400)")
    p.add_argument("--seconds", type=float, default=12.0, help="seconds per run at most (12)")
    p.add_argument("--rounds", type=int, default=2, help="rounds of the scale part, order rotating (2)")
    args = p.parse_args(argv)
    if not Path(NGINX).exists() and args.part != "fixed":
        raise SystemExit("nginx is not installed: apt-get install nginx-light (make bench-system)")
    load_before = os.getloadavg()
    cluster = Cluster(path=CLUSTER_DIR, port=PORT)
    was_running = cluster.running()
    cluster.up("postgres", fast=True)
    began = time.perf_counter()
    results: dict[str, Any] = {}
    try:
        cluster.ensure_database(DATABASE)
        prepare_database(cluster, args.rows)
        _enable_statements(cluster, DATABASE)
        paths = make_paths(cluster)
        url = cluster.url(DATABASE)
        if args.part in ("both", "scale"):
            console.print(f"==> scale: concurrency {args.concurrency}, {args.rounds} rounds")
            results["scale"] = part_scale(url, paths, args)
        if args.part in ("both", "fixed"):
            console.print("==> fixed cost: one client, one process each")
            results["fixed"] = part_fixed(url, cluster.url(DATABASE, OWNER_ROLE), paths, args)
    finally:
        if not was_running:
            cluster.stop()
    load_after = os.getloadavg()
    loads = f"load average {load_before[0]:.1f} → {load_after[0]:.1f}"
    if "scale" in results:
        table = Table(title=f"{args.rows:,} hazards; concurrency {args.concurrency}; gzip; {loads}")
        for column in ("scenario", "configuration", "requests", "req/s", "p50 ms", "p95 ms", "kB"):
            table.add_column(column, justify="left" if column in ("scenario", "configuration") else "right")
        for r in results["scale"]:
            table.add_row(
                r["scenario"], r["configuration"], str(r["requests"]), f"{r['rps']:.1f}", f"{r['p50']:.1f}",
                f"{r['p95']:.1f}", f"{r['kb']:.1f}",
            )  # fmt: skip
        console.print(table)
    if "fixed" in results:
        table = Table(title=f"the fixed cost of a request: one client, one process; {loads}")
        for column in (
            "scenario",
            "encoding",
            "server",
            "req/s",
            "p50 ms",
            "p95 ms",
            "kB",
            "stmts",
            "SQL ms",
        ):
            table.add_column(column, justify="left" if column in ("scenario", "server") else "right")
        for r in results["fixed"]:
            table.add_row(
                r["scenario"], r["encoding"], r["server"], f"{r['rps']:.1f}", f"{r['p50']:.2f}",
                f"{r['p95']:.2f}", f"{r['kb']:.2f}", f"{r['statements']:.2f}", f"{r['sql_ms']:.2f}",
            )  # fmt: skip
        console.print(table)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"web_scale-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(
        json.dumps(
            {
                "rows": args.rows,
                "args": vars(args),
                "load_before": load_before,
                "load_after": load_after,
                "seconds": round(time.perf_counter() - began, 1),
                "machine": platform.platform(),
                **results,
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    console.print(f"==> {out}")


if __name__ == "__main__":
    main()
