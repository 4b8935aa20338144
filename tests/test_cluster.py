"""The embedded cluster: runs as an unprivileged user when we are root, answers on loopback only."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from app.cluster import Cluster


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
    # PostgreSQL reports the path it was started with (through the symlink); it resolves to there.
    assert Path(cluster.psql("SELECT current_setting('data_directory')")).resolve() == real / "data"


def test_up_is_idempotent(cluster: Cluster) -> None:
    before = cluster.psql("SELECT pg_postmaster_start_time()")
    cluster.up("postgres", fast=True)
    assert cluster.psql("SELECT pg_postmaster_start_time()") == before
