"""A real PgBouncer (Debian package ``pgbouncer``) in transaction pooling in front of the test cluster."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.cluster import SHARED_ROOT, Cluster

BINARY = "/usr/sbin/pgbouncer"


@contextmanager
def pgbouncer(cluster: Cluster, port: int, database: str, role: str, *, pool_size: int = 2) -> Iterator[str]:
    """PgBouncer on 127.0.0.1:``port`` in transaction mode, ``pool_size`` server connections for
    ``database`` as ``role`` (scram-sha-256 both ways, the role's password from the cluster); the
    URL of ``database`` through it. Run by the cluster's system user; its log in its directory."""
    password = cluster.passwords()[role]
    root = (SHARED_ROOT if os.geteuid() == 0 else cluster.root.parent) / f"pgbouncer-{port}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(mode=0o700, parents=True)
    (root / "userlist.txt").write_text(f'"{role}" "{password}"\n')
    (root / "pgbouncer.ini").write_text(
        f"[databases]\n{database} = host=127.0.0.1 port={cluster.port} dbname={database}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = scram-sha-256\nauth_file = {root}/userlist.txt\n"
        f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 200\n"
        f"logfile = {root}/pgbouncer.log\npidfile = {root}/pgbouncer.pid\n"
    )
    cmd = [BINARY, str(root / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        pw = pwd.getpwnam(cluster.os_user)
        for path in (root, *root.iterdir()):
            os.chown(path, pw.pw_uid, pw.pw_gid)
        cmd = ["runuser", "-u", cluster.os_user, "--", *cmd]
    proc = subprocess.Popen(cmd, cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"pgbouncer did not start; see {root / 'pgbouncer.log'}") from None
                time.sleep(0.05)
        yield f"postgresql+asyncpg://{role}:{password}@127.0.0.1:{port}/{database}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(root, ignore_errors=True)


def installed() -> bool:
    return Path(BINARY).exists()
