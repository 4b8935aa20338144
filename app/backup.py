"""`hazardmap backup FILE` and `hazardmap restore FILE`: the database and the photo store, one archive.

The archive is a plain tar file (the dump is compressed already, photos are JPEG/PNG/WebP):

- ``manifest.json``: format and version, when, the schema's Alembic revision, the server's version,
  the dump's sha256 and size, and every photo file with its sha256 and size;
- ``database.dump``: ``pg_dump --format=custom`` of the whole database;
- ``photos/…``: the photo store as it is on disk (``ab/cd/<sha256>.<ext>`` and the thumbnails).

The dump is taken first, then the photos: a photo's file is written before its row, so every row of
the dump has its file in the archive. Restore reads the manifest, refuses a database that has tables
or a photo store that has files, unpacks everything beside the photo store while checking every
checksum, and only then restores the dump in one transaction (``pg_restore --single-transaction``)
and moves the photos into place. Nothing is changed when a checksum, the target or the dump is wrong.

The PostgreSQL client programs are those of the installed PostgreSQL (``Cluster.bindir()``); they
must be at least the server's version.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy.engine import make_url

from app import __version__
from app.cluster import Cluster

FORMAT = "hazardmap-backup"
VERSION = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
PHOTOS = "photos"
CHUNK = 1024 * 1024

# Tables in a database that do not make it "not empty": those of extensions (PostGIS's spatial_ref_sys).
_USER_TABLES = """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                   AND d.objid = c.oid AND d.deptype = 'e')
 ORDER BY 1"""


class BackupError(Exception):
    """The backup or the restore could not be made; nothing was changed."""


@dataclass(frozen=True)
class Entry:
    path: str  # inside the archive
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Manifest:
    created_at: str
    revision: str
    server: str
    dump: Entry
    photos: list[Entry]

    def as_json(self) -> bytes:
        doc = {
            "format": FORMAT,
            "version": VERSION,
            "hazardmap": __version__,
            "created_at": self.created_at,
            "alembic_revision": self.revision,
            "postgresql": self.server,
            "database": _entry(self.dump),
            "photos": [_entry(p) for p in self.photos],
        }
        return json.dumps(doc, ensure_ascii=False, indent=1).encode() + b"\n"

    @classmethod
    def parse(cls, raw: bytes) -> Manifest:
        try:
            doc = json.loads(raw)
            if doc.get("format") != FORMAT or doc.get("version") != VERSION:
                raise BackupError(f"not a {FORMAT} archive of version {VERSION}")
            return cls(
                created_at=str(doc["created_at"]),
                revision=str(doc["alembic_revision"]),
                server=str(doc["postgresql"]),
                dump=_parse_entry(doc["database"]),
                photos=[_parse_entry(p) for p in doc["photos"]],
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError(f"{MANIFEST} is unreadable: {exc}") from exc

    @property
    def entries(self) -> dict[str, Entry]:
        return {e.path: e for e in [self.dump, *self.photos]}


def _entry(e: Entry) -> dict[str, Any]:
    return {"path": e.path, "sha256": e.sha256, "bytes": e.bytes}


def _parse_entry(d: dict[str, Any]) -> Entry:
    path = PurePosixPath(str(d["path"]))
    inside = path.parts and path.parts[0] in (DUMP, PHOTOS) and ".." not in path.parts
    if path.is_absolute() or not inside:
        raise BackupError(f"{MANIFEST} names a file outside the archive's layout: {path}")
    return Entry(str(path), str(d["sha256"]), int(d["bytes"]))


# -- connecting the PostgreSQL client programs -----------------------------------------------------
def libpq_env(url: str) -> dict[str, str]:
    """The PG* variables for ``url`` (an SQLAlchemy URL, TCP or ``?host=/socket/dir``)."""
    u = make_url(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    host = u.query.get("host") or u.host or ""
    port = u.query.get("port") or u.port
    values = {
        "PGHOST": host if isinstance(host, str) else host[0],
        "PGPORT": str(port or ""),
        "PGUSER": u.username or "",
        "PGPASSWORD": u.password or "",
        "PGDATABASE": u.database or "",
        "PGSSLMODE": str(u.query.get("sslmode") or u.query.get("ssl") or ""),
    }
    env.update({k: v for k, v in values.items() if v})
    return env


def _client(name: str) -> str:
    return str(Cluster.bindir() / name)


def _run(args: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run(args, env=env, capture_output=True, text=True, cwd="/")
    if proc.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def _query(env: dict[str, str], sql: str) -> list[str]:
    out = _run([_client("psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql], env)
    return [line for line in out.splitlines() if line]


def user_tables(url: str) -> list[str]:
    """The database's own tables (none of an extension's)."""
    return _query(libpq_env(url), _USER_TABLES)


# -- backup ------------------------------------------------------------------------------------------
def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def photo_files(photo_dir: Path) -> Iterator[Path]:
    """The store's files, never the half-written ones (``.incoming-*.part``)."""
    if not photo_dir.is_dir():
        return
    for p in sorted(photo_dir.rglob("*")):
        if p.is_file() and not p.is_symlink() and not p.name.startswith(".incoming-"):
            yield p


def backup(url: str, photo_dir: Path, target: Path) -> Manifest:
    """Write the archive to ``target`` (atomically, mode 600: it holds personal data)."""
    env = libpq_env(url)
    target = target.absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".hazardmap-backup-") as work:
        dump = Path(work) / DUMP
        revision = _query(env, "SELECT string_agg(version_num, ',') FROM alembic_version")
        server = _query(env, "SHOW server_version")
        _run([_client("pg_dump"), "--format=custom", "--compress=6", f"--file={dump}"], env)
        photos = [
            Entry(f"{PHOTOS}/{p.relative_to(photo_dir).as_posix()}", sha256_file(p), p.stat().st_size)
            for p in photo_files(photo_dir)
        ]
        manifest = Manifest(
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            revision=revision[0] if revision else "",
            server=server[0] if server else "",
            dump=Entry(DUMP, sha256_file(dump), dump.stat().st_size),
            photos=photos,
        )
        partial = Path(work) / "archive.tar"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w") as tar:
            raw = manifest.as_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(raw), 0o600, int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(raw))
            tar.add(dump, arcname=DUMP, recursive=False)
            for entry in photos:
                tar.add(photo_dir / entry.path[len(PHOTOS) + 1 :], arcname=entry.path, recursive=False)
        os.replace(partial, target)
    return manifest


# -- reading an archive ------------------------------------------------------------------------------
def _read_manifest(tar: tarfile.TarFile) -> Manifest:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isfile():
        raise BackupError(f"the archive does not begin with {MANIFEST}")
    f = tar.extractfile(first)
    assert f is not None
    return Manifest.parse(f.read())


def _check_members(tar: tarfile.TarFile, manifest: Manifest, unpack_to: Path | None) -> None:
    """Hash every member (writing it under ``unpack_to`` if given) against the manifest."""
    expected = manifest.entries
    seen: set[str] = set()
    for member in tar:
        if member.offset == 0:
            continue  # the manifest itself (iterating a TarFile starts again from its first member)
        entry = expected.get(member.name)
        if entry is None or not member.isfile():
            raise BackupError(f"the archive holds {member.name!r}, which its manifest does not list")
        source = tar.extractfile(member)
        assert source is not None
        digest = hashlib.sha256()
        with _sink(unpack_to, member.name) as write:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                write(chunk)
        if digest.hexdigest() != entry.sha256 or member.size != entry.bytes:
            raise BackupError(f"{member.name}: checksum does not match the manifest (the archive is damaged)")
        seen.add(member.name)
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"the archive lacks {len(missing)} file(s) of its manifest, e.g. {missing[0]}")


@contextlib.contextmanager
def _sink(root: Path | None, name: str) -> Iterator[Callable[[bytes], object]]:
    """Where a member's bytes go: a file under ``root``, or nowhere (only checked)."""
    if root is None:
        yield len
        return
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        yield out.write


def verify(archive: Path) -> Manifest:
    """Check every checksum of the archive; change nothing."""
    with _open(archive) as tar:
        manifest = _read_manifest(tar)
        _check_members(tar, manifest, None)
    return manifest


@contextlib.contextmanager
def _open(archive: Path) -> Iterator[tarfile.TarFile]:
    try:
        with tarfile.open(archive, mode="r:") as tar:
            yield tar
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{archive}: not a readable archive ({exc})") from exc


# -- restore -----------------------------------------------------------------------------------------
def restore(archive: Path, url: str, photo_dir: Path) -> Manifest:
    """Restore into an empty database and an empty photo store; refuse anything else."""
    env = libpq_env(url)
    database = env.get("PGDATABASE", "")
    tables = _query(env, _USER_TABLES)
    if tables:
        shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
        raise BackupError(
            f"database {database!r} is not empty ({len(tables)} tables: {shown}); restore only into an "
            "empty database (createdb a new one, or drop this one)"
        )
    if any(photo_files(photo_dir)):
        raise BackupError(f"the photo store {photo_dir} is not empty; restore only into an empty one")
    photo_dir = photo_dir.absolute()
    photo_dir.parent.mkdir(parents=True, exist_ok=True)
    # Unpacked beside the photo store (one file system: the photos are moved, not copied).
    staging = Path(tempfile.mkdtemp(dir=photo_dir.parent, prefix=".hazardmap-restore-"))
    try:
        with _open(archive) as tar:
            manifest = _read_manifest(tar)
            _check_members(tar, manifest, staging)
        listing = _run([_client("pg_restore"), "--list", str(staging / DUMP)], env)
        keep = staging / "restore.list"
        keep.write_text("\n".join(line for line in listing.splitlines() if _restorable(line)) + "\n")
        _run(
            [
                _client("pg_restore"), "--single-transaction", "--exit-on-error", "--no-owner",
                "--no-privileges", f"--use-list={keep}", f"--dbname={database}", str(staging / DUMP),
            ],
            env,
        )  # fmt: skip
        staged_photos = staging / PHOTOS
        if staged_photos.exists():
            if photo_dir.exists():
                for p in sorted(staged_photos.rglob("*")):
                    if p.is_file():
                        dest = photo_dir / p.relative_to(staged_photos)
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        os.replace(p, dest)
            else:
                os.replace(staged_photos, photo_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _restorable(line: str) -> bool:
    """What a non-superuser owner restores: not the extension's comment nor PostGIS's own table's rows."""
    return not ("COMMENT - EXTENSION" in line or ("TABLE DATA" in line and " spatial_ref_sys " in line))
