"""The embedded PostgreSQL + PostGIS cluster used in development and by the tests.

Production points ``DATABASE_URL`` at a real PostGIS instead; nothing here runs then.

PostgreSQL refuses to run as root, and a checkout may sit under a directory the ``postgres``
system user cannot enter (root's home is mode 700, so is a ``mktemp -d``). So, when we are
root, the cluster's files live under ``/var/lib/hazardmap/<name>-<hash of the path>`` (owned
by ``postgres``), ``var/pg`` is a symlink to it, and PostgreSQL is only ever handed that real
directory, never a path through the checkout.

Access: over TCP (127.0.0.1) every role needs its password (scram-sha-256); the roles of the
service are ``hazardmap_owner`` (owns the database and the schema; migrations) and
``hazardmap_app`` (the service: no superuser, owns nothing, granted what it needs). Their
passwords are generated at the first ``up`` and kept in ``passwords.json`` in the cluster's
directory, mode 600, readable by its creator (and root) only. The superuser has no password:
it connects through the Unix socket, whose directory only the cluster's owner can enter.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import pwd
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from app.errors import ClusterError

SHARED_ROOT = Path("/var/lib/hazardmap")
# The two roles of the service (see app/grants.py for what the app role may do).
OWNER_ROLE = "hazardmap_owner"
APP_ROLE = "hazardmap_app"

HBA = """\
# Written by hazardmap (app/cluster.py) at every `hazardmap db up`.
# The socket directory is mode 700: only the cluster's owner (and root) reach it.
local   all   all                    trust
local   replication   all            trust
host    all   all   127.0.0.1/32     scram-sha-256
host    all   all   ::1/128          scram-sha-256
"""


@dataclass(frozen=True)
class Cluster:
    path: Path  # var/pg (a symlink to /var/lib/hazardmap/… when we are root)
    port: int
    os_user: str = "postgres"
    superuser: str = "postgres"

    # -- locations -------------------------------------------------------------------------
    @property
    def root(self) -> Path:
        """The cluster's real directory: what PostgreSQL is given, whatever the checkout's parents allow."""
        return self.path.resolve() if self.path.is_symlink() else self.path.absolute()

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    @property
    def password_file(self) -> Path:
        return self.root / "passwords.json"

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

    def _run(
        self, *args: str, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", self.os_user, "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd="/", input=stdin)
        if check and proc.returncode != 0:
            raise ClusterError(f"{' '.join(args[:2])} failed: {proc.stderr.strip() or proc.stdout}")
        return proc

    def _prepare_dir(self) -> None:
        if self.path.is_symlink() and not self.path.exists():
            self.path.unlink()  # its real directory was removed: start again
        if self.path.exists():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.as_root:
            self.path.mkdir(mode=0o700)
            return
        try:
            pw = pwd.getpwnam(self.os_user)
        except KeyError as exc:
            raise ClusterError(
                f"system user {self.os_user!r} is missing; install the postgresql package"
            ) from exc
        digest = hashlib.sha1(str(self.path.absolute()).encode()).hexdigest()[:12]
        real = SHARED_ROOT / f"{self.path.name}-{digest}"
        SHARED_ROOT.mkdir(parents=True, exist_ok=True)
        os.chmod(SHARED_ROOT, 0o755)
        if real.exists():
            shutil.rmtree(real)
        real.mkdir(mode=0o700)
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
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )  # fmt: skip
        # A throwaway test cluster does not need crash safety; it needs speed.
        durability = "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n" if fast else ""
        conf = (
            f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
            f"unix_socket_directories = '{self.socket_dir}'\nunix_socket_permissions = 0700\n"
            "password_encryption = 'scram-sha-256'\n"
            "shared_buffers = 512MB\nwork_mem = 32MB\nmaintenance_work_mem = 256MB\n"
            "max_connections = 200\njit = off\n" + durability
        )
        self._run("sh", "-c", f"cat >> '{self.data_dir}/postgresql.auto.conf'", stdin=conf)

    def _configure_access(self) -> None:
        """pg_hba.conf as above; a socket directory only the cluster's owner enters (old clusters too)."""
        self._run("mkdir", "-p", "-m", "700", str(self.socket_dir))
        self._run("chmod", "700", str(self.socket_dir))
        self._run("sh", "-c", f"cat > '{self.data_dir}/pg_hba.conf'", stdin=HBA)

    def start(self) -> None:
        self._configure_access()
        if self.running():
            self._run(str(self.bindir() / "pg_ctl"), "reload", "-D", str(self.data_dir))
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
        real = self.root
        if self.path.is_symlink():
            self.path.unlink()
        shutil.rmtree(real, ignore_errors=True)

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL as the superuser, through the Unix socket (on stdin: no password in a command line)."""
        proc = self._run(
            str(self.bindir() / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
            "-h", str(self.socket_dir), "-p", str(self.port), "-U", self.superuser, "-d", database,
            stdin=sql,
        )  # fmt: skip
        return proc.stdout.strip()

    # -- roles and passwords ---------------------------------------------------------------
    def passwords(self) -> dict[str, str]:
        """The roles' passwords (empty before the first ``up``)."""
        try:
            return dict(json.loads(self.password_file.read_text()))
        except FileNotFoundError:
            return {}

    def ensure_roles(self) -> None:
        """The owner and the app role, with passwords generated once and kept mode 600."""
        known = self.passwords()
        for role in (OWNER_ROLE, APP_ROLE):
            known.setdefault(role, secrets.token_urlsafe(24))
        old_umask = os.umask(0o077)
        try:
            tmp = self.password_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(known, indent=1) + "\n")
            os.chmod(tmp, 0o600)
            tmp.replace(self.password_file)
        finally:
            os.umask(old_umask)
        for role in (OWNER_ROLE, APP_ROLE):
            exists = self.psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'")
            verb = "ALTER" if exists else "CREATE"
            # NOINHERIT etc. are the defaults that matter: no superuser, no role or database creation.
            self.psql(
                f"{verb} ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION"
                f" PASSWORD '{_literal(known[role])}'"
            )

    def ensure_database(self, name: str, *, owner: str = OWNER_ROLE) -> bool:
        """Create the database (owned by ``owner``) with PostGIS if it is missing; True when created.

        A database made before the roles existed (everything owned by the superuser) is handed
        to ``owner``: the database, and the tables, sequences, views and functions of ``public``.
        """
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{_literal(name)}'")
        created = False
        if not exists:
            self.psql(f'CREATE DATABASE "{name}" OWNER {owner}')
            created = True
        self.psql("CREATE EXTENSION IF NOT EXISTS postgis", database=name)
        if not created:
            self.psql(f'ALTER DATABASE "{name}" OWNER TO {owner}')
            self.psql(_ADOPT.replace("{owner}", owner).replace("{superuser}", self.superuser), database=name)
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
                str(self.bindir() / "pg_isready"), "-h", str(self.socket_dir), "-p", str(self.port),
                check=False,
            )  # fmt: skip
            if proc.returncode == 0:
                break
            if time.monotonic() > deadline:
                raise ClusterError(f"PostgreSQL did not accept connections; see {self.log_file}")
            time.sleep(0.2)
        self.ensure_roles()
        if database != "postgres":  # the maintenance database stays the superuser's
            self.ensure_database(database)

    def standby(self, path: Path, port: int) -> Cluster:
        """A hot standby of this running cluster at ``path`` on ``port``, made afresh by ``pg_basebackup
        -R`` (streaming from this one through its socket; what was at ``path`` is removed) and started;
        the roles' passwords are the primary's. For benches and tests: reads served by a real replica."""
        standby = Cluster(path=path, port=port, os_user=self.os_user, superuser=self.superuser)
        standby.destroy()
        standby._prepare_dir()
        if not standby.initialised():
            self._run(
                str(self.bindir() / "pg_basebackup"), "-D", str(standby.data_dir),
                "-h", str(self.socket_dir), "-p", str(self.port), "-U", self.superuser,
                "-R", "-X", "stream", "-c", "fast",
            )  # fmt: skip
            conf = f"port = {port}\nunix_socket_directories = '{standby.socket_dir}'\nhot_standby = on\n"
            self._run("sh", "-c", f"cat >> '{standby.data_dir}/postgresql.auto.conf'", stdin=conf)
            shutil.copy2(self.password_file, standby.password_file)
        standby.start()
        return standby

    def url(self, database: str, role: str | None = None) -> str:
        """asyncpg URL: ``role`` over TCP with its password; without a role, the superuser on the socket."""
        if role is None:
            return (
                f"postgresql+asyncpg://{self.superuser}@/{database}?host={self.socket_dir}&port={self.port}"
            )
        password = self.passwords().get(role, "")
        auth = f"{role}:{password}" if password else role
        return f"postgresql+asyncpg://{auth}@127.0.0.1:{self.port}/{database}"


# Objects of a database created before the owner role existed, handed over to it.
_ADOPT = """DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
             AND pg_get_userbyid(c.relowner) = '{superuser}'
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                             AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO {owner}',
                   CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                                  WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, r.name);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) = '{superuser}'
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                             AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO {owner}', r.name);
  END LOOP;
END $$"""


def _literal(value: str) -> str:
    return value.replace("'", "''")
