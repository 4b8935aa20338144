"""The embedded cluster: runs as an unprivileged user when we are root, answers on loopback only."""

from __future__ import annotations

import os
import pwd
import socket
from pathlib import Path

import asyncpg
import pytest

from app.cluster import APP_ROLE, Cluster


def test_cluster_runs_postgis_on_loopback(cluster: Cluster, template_db: str) -> None:
    assert cluster.running()
    assert cluster.psql("SHOW listen_addresses") == "127.0.0.1"
    assert cluster.psql("SHOW port") == str(cluster.port)
    installed = cluster.psql(
        "SELECT extname FROM pg_extension WHERE extname = 'postgis'", database=template_db
    )
    assert installed == "postgis"


@pytest.mark.skipif(os.geteuid() != 0, reason="only as root does the cluster move out of the checkout")
def test_as_root_the_cluster_belongs_to_postgres_outside_the_checkout(cluster: Cluster) -> None:
    assert cluster.path.is_symlink()
    real = cluster.path.resolve()
    assert str(real).startswith("/var/lib/hazardmap/")
    assert pwd.getpwuid(real.stat().st_uid).pw_name == "postgres"
    # PostgreSQL is handed the real directory, never a path through the checkout.
    assert cluster.psql("SELECT current_setting('data_directory')") == str(real / "data")
    assert cluster.psql("SELECT current_setting('unix_socket_directories')") == str(real / "run")


def test_up_is_idempotent(cluster: Cluster) -> None:
    before = cluster.psql("SELECT pg_postmaster_start_time()")
    cluster.up("postgres", fast=True)
    assert cluster.psql("SELECT pg_postmaster_start_time()") == before


async def test_a_checkout_under_a_private_directory(tmp_path: Path) -> None:
    """Cloned under root's home (mode 700) or a `mktemp -d`: the cluster still starts, and answers."""
    private = tmp_path / "home"
    private.mkdir(mode=0o700)
    os.chmod(private, 0o700)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    c = Cluster(path=private / "hazardmap" / "var" / "pg", port=port)
    try:
        c.up("hazardmap", fast=True)
        conn = await asyncpg.connect(
            host="127.0.0.1", port=port, user=APP_ROLE, password=c.passwords()[APP_ROLE], database="hazardmap"
        )
        try:
            assert await conn.fetchval("SELECT postgis_lib_version() IS NOT NULL")
        finally:
            await conn.close()
    finally:
        c.destroy()
    assert not c.path.exists() and not c.path.is_symlink()
