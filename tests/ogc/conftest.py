"""The real service (uvicorn) on 127.0.0.1 over a database of its own cloned from the harness
template, for clients that speak HTTP themselves (GDAL's OAPIF driver, export readers)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from app.cluster import Cluster
from app.settings import PROJECT_ROOT
from tests.conftest import clone

OGC_DB = "hazardmap_ogc"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(cluster: Cluster, template_db: str) -> Iterator[str]:
    url = clone(cluster, template_db, OGC_DB)
    port = _free_port()
    log_path = PROJECT_ROOT / "var" / f"ogc-test-server-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HAZARDMAP_DATABASE_URL": url, "HAZARDMAP_ENVIRONMENT": "test"}
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the service did not start; see {log_path}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        cluster.drop_database(OGC_DB)
