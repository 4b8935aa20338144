"""The embedded PostgreSQL + PostGIS cluster used in development and by the tests.

Production points ``DATABASE_URL`` at a real PostGIS instead; nothing here runs then.

PostgreSQL refuses to run as root, and CI clones the project under a directory that the
``postgres`` system user may not be able to enter. So, when we are root, the cluster's
files live under ``/var/lib/hazardmap/<hash of the path>`` (owned by ``postgres``) and
``var/pg`` is a symlink to it.
"""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from app.errors import ClusterError

SHARED_ROOT = Path("/var/lib/hazardmap")


@dataclass(frozen=True)
class Cluster:
    path: Path  # var/pg (possibly a symlink)
    port: int
    os_user: str = "postgres"
    superuser: str = "postgres"

    # -- locations -------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return self.path / "data"

    @property
    def socket_dir(self) -> Path:
        return self.path / "run"

    @property
    def log_file(self) -> Path:
        return self.path / "postgres.log"

    @staticmethod
    def bindir() -> Path:
        """The newest installed PostgreSQL's binaries (Debian keeps them off PATH)."""
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
        if candidates:
            return Path(candidates[-1])
        initdb = shutil.which("initdb")
        if initdb:
            return Path(initdb).parent
        raise ClusterError("PostgreSQL binaries not found: install postgresql and postgresql-<ver>-postgis-3")

    # -- running commands as the right user ------------------------------------------------
    @property
    def as_root(self) -> bool:
        return os.geteuid() == 0

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", self.os_user, "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
        if check and proc.returncode != 0:
            raise ClusterError(f"{' '.join(args[:2])} failed: {proc.stderr.strip() or proc.stdout}")
        return proc

    def _prepare_dir(self) -> None:
        if self.path.exists() or self.path.is_symlink():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.as_root:
            self.path.mkdir()
            return
        try:
            pw = pwd.getpwnam(self.os_user)
        except KeyError as exc:
            raise ClusterError(
                f"system user {self.os_user!r} is missing; install the postgresql package"
            ) from exc
        digest = hashlib.sha1(str(self.path.resolve()).encode()).hexdigest()[:12]
        real = SHARED_ROOT / f"{self.path.name}-{digest}"
        SHARED_ROOT.mkdir(parents=True, exist_ok=True)
        os.chmod(SHARED_ROOT, 0o755)
        if real.exists():
            shutil.rmtree(real)
        real.mkdir()
        os.chown(real, pw.pw_uid, pw.pw_gid)
        self.path.symlink_to(real)

    # -- state -----------------------------------------------------------------------------
    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def running(self) -> bool:
        if not self.initialised():
            return False
        proc = self._run(str(self.bindir() / "pg_ctl"), "status", "-D", str(self.data_dir), check=False)
        return proc.returncode == 0

    def postgis_available(self) -> bool:
        major = self.bindir().parent.name
        return Path(f"/usr/share/postgresql/{major}/extension/postgis.control").exists()

    # -- lifecycle -------------------------------------------------------------------------
    def init(self, *, fast: bool = False) -> None:
        self._prepare_dir()
        if self.initialised():
            return
        self._run(
            str(self.bindir() / "initdb"),
            "-D", str(self.data_dir),
            "-U", self.superuser,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )  # fmt: skip
        self._run("mkdir", "-p", str(self.socket_dir))
        # A throwaway test cluster does not need crash safety; it needs speed.
        durability = "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n" if fast else ""
        conf = (
            f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
            f"unix_socket_directories = '{self.socket_dir}'\n"
            "shared_buffers = 512MB\nwork_mem = 32MB\nmaintenance_work_mem = 256MB\n"
            "max_connections = 200\njit = off\n" + durability
        )
        self._run("sh", "-c", f"cat >> '{self.data_dir}/postgresql.auto.conf' <<'EOF'\n{conf}EOF\n")

    def start(self) -> None:
        if self.running():
            return
        self._run(
            str(self.bindir() / "pg_ctl"), "start", "-w", "-t", "60",
            "-D", str(self.data_dir), "-l", str(self.log_file),
        )  # fmt: skip

    def stop(self) -> None:
        if self.running():
            self._run(str(self.bindir() / "pg_ctl"), "stop", "-m", "fast", "-w", "-D", str(self.data_dir))

    def destroy(self) -> None:
        self.stop()
        real = self.path.resolve()
        if self.path.is_symlink():
            self.path.unlink()
        shutil.rmtree(real, ignore_errors=True)

    def psql(self, sql: str, database: str = "postgres") -> str:
        proc = self._run(
            str(self.bindir() / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
            "-h", "127.0.0.1", "-p", str(self.port), "-U", self.superuser, "-d", database,
            "-c", sql,
        )  # fmt: skip
        return proc.stdout.strip()

    def ensure_database(self, name: str) -> bool:
        """Create the database with PostGIS if it is missing; True when it was created."""
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{_literal(name)}'")
        created = False
        if not exists:
            self.psql(f'CREATE DATABASE "{name}"')
            created = True
        self.psql("CREATE EXTENSION IF NOT EXISTS postgis", database=name)
        return created

    def drop_database(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def up(self, database: str, *, fast: bool = False) -> None:
        if not self.postgis_available():
            raise ClusterError(
                "PostGIS is not installed: apt-get install postgresql-"
                f"{self.bindir().parent.name}-postgis-3 (make install does this)"
            )
        self.init(fast=fast)
        self.start()
        deadline = time.monotonic() + 30
        while True:
            proc = self._run(
                str(self.bindir() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), check=False
            )
            if proc.returncode == 0:
                break
            if time.monotonic() > deadline:
                raise ClusterError(f"PostgreSQL did not accept connections; see {self.log_file}")
            time.sleep(0.2)
        self.ensure_database(database)

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{self.superuser}@127.0.0.1:{self.port}/{database}"


def _literal(value: str) -> str:
    return value.replace("'", "''")
