"""The real service (uvicorn) in a process of its own, for clients that speak HTTP themselves."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from app.settings import PROJECT_ROOT


@contextmanager
def live_service(database_url: str, name: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """The real service (uvicorn) on 127.0.0.1 at a free port over ``database_url``; its base URL.

    For clients that speak HTTP themselves: the browser, GDAL's OAPIF driver. Its log goes to
    ``var/<name>-server-<port>.log``.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    log_path = PROJECT_ROOT / "var" / f"{name}-server-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "HAZARDMAP_DATABASE_URL": database_url,
        "HAZARDMAP_ENVIRONMENT": "test",
        "HAZARDMAP_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "HAZARDMAP_COOKIE_SECURE": "false",  # plain HTTP on the loopback
        **(env or {}),
    }
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
        deadline = time.monotonic() + 90  # a loaded machine imports the service slowly
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
