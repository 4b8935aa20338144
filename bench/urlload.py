"""A load generator over a list of paths, run as a process of its own (like bench.loadgen, which
sends only list-endpoint boxes): the tipg comparison sends items and tile requests.

    python -m bench.urlload --base http://127.0.0.1:8001 --paths paths.json --concurrency 16

``--concurrency`` clients each keep one HTTP/1.1 connection and send one request after another,
taking the next path from the shared list (cycling), until ``--requests`` have been sent or
``--seconds`` have passed. Prints one JSON object: latencies in ms, wall time, errors, and the
bytes received on the wire (compressed, if the server compressed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.servers import auth_headers


async def run(
    base: str,
    paths: list[str],
    concurrency: int,
    requests: int,
    seconds: float,
    encoding: str = "gzip, deflate",
    request_timeout: float = 120,
    credentials: dict[str, str] | None = None,
) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    received = 0
    compressed = 0
    taken = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # Accept-Encoding as a browser sends it ("gzip, deflate"), or "identity" to ask for none.
    headers = {"Accept-Encoding": encoding, **(auth_headers() if credentials is None else credentials)}
    client = httpx.AsyncClient(base_url=base, limits=limits, timeout=request_timeout, headers=headers)
    async with client:
        start = time.perf_counter()
        deadline = start + seconds

        async def client_loop() -> None:
            nonlocal taken, received, compressed
            while taken < requests and time.perf_counter() < deadline:
                path = paths[taken % len(paths)]
                taken += 1
                t0 = time.perf_counter()
                try:
                    r = await client.get(path)
                    body = r.content  # decompressed, as the client uses it
                    wire = int(r.headers.get("content-length", len(body)))
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies.append((time.perf_counter() - t0) * 1000)
                received += wire
                compressed += "content-encoding" in r.headers
                if r.status_code not in (200, 204):
                    errors.append(f"HTTP {r.status_code} {path}: {body[:200]!r}")

        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {
        "latencies_ms": latencies,
        "elapsed_s": elapsed,
        "errors": errors[:20],
        "error_count": len(errors),
        "bytes": received,
        "compressed": compressed,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", required=True, help="e.g. http://127.0.0.1:8001")
    p.add_argument("--paths", type=Path, required=True, help="JSON list of paths with their query")
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--encoding", default="gzip, deflate", help="Accept-Encoding (identity: none)")
    p.add_argument("--timeout", type=float, default=120, help="seconds one request may take")
    p.add_argument(
        "--credentials",
        type=json.loads,
        default=None,
        help='headers that sign in, as JSON (e.g. {"Cookie": "…"}; {} for none); default: the bench API key',
    )
    args = p.parse_args(argv)
    paths = json.loads(args.paths.read_text())
    result = asyncio.run(
        run(
            args.base,
            paths,
            args.concurrency,
            args.requests,
            args.seconds,
            args.encoding,
            args.timeout,
            args.credentials,
        )
    )
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
