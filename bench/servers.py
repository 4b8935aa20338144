"""Start a uvicorn application for a benchmark: on a free loopback port, stopped afterwards."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def uvicorn_app(
    app: str,
    env: dict[str, str],
    ready_path: str,
    *,
    workers: int = 1,
    timeout_s: float = 60,
    log: Path | None = None,
    port: int | None = None,
) -> Iterator[str]:
    """Serve ``app`` (``module:attribute``) and yield its base URL once ``ready_path`` answers 200.
    Its output goes to ``log`` when given (else to ours); on ``port``, else a free one."""
    port = port or free_port()
    cmd = [
        sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    out = log.open("w") if log else None
    proc = subprocess.Popen(
        cmd, env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT if out else None
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{app} exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{base}{ready_path}", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{app} did not answer {ready_path} within {timeout_s:g} s")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if out:
            out.close()


# The load generators and the browser send this key (X-API-Key); `service_env` puts it in os.environ.
API_KEY_ENV = "HAZARDMAP_API_KEY"


def service_env(database_url: str, role: str = "viewer") -> dict[str, str]:
    """The environment of our service in a benchmark: production settings (a random secret, Secure
    cookies), and an API key of ``role`` (read-only by default) in ``os.environ[API_KEY_ENV]`` for
    the clients to send. The key is made in the bench database, as ``hazardmap keys create`` would."""
    import asyncio
    import os
    import secrets

    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    from app.accounts import service as accounts
    from app.accounts.permissions import Role
    from app.settings import get_settings

    os.environ["HAZARDMAP_SECRET_KEY"] = secrets.token_urlsafe(32)
    get_settings.cache_clear()  # the key below is hashed with this secret, as the service will check it

    async def create_key() -> str:
        engine = create_async_engine(database_url)
        try:
            async with AsyncSession(engine) as session, session.begin():
                key, _ = await accounts.create_key(session, "benchmark", role=Role(role))
                return key
        finally:
            await engine.dispose()

    os.environ[API_KEY_ENV] = asyncio.run(create_key())
    return {
        **os.environ,
        "HAZARDMAP_DATABASE_URL": database_url,
        "HAZARDMAP_ENVIRONMENT": "production",
        "HAZARDMAP_COOKIE_SECURE": "true",
        # Production wants the address users open (links are built from it, never from Host).
        "HAZARDMAP_PUBLIC_URL": os.environ.get("HAZARDMAP_PUBLIC_URL", "https://hazardmap.bench.invalid"),
    }


def auth_headers() -> dict[str, str]:
    """The benchmark's API key, for a client (set by ``service_env``, inherited by the load generators)."""
    import os

    key = os.environ.get(API_KEY_ENV)
    return {"X-API-Key": key} if key else {}
