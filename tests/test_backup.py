"""Backup and restore: every table and photo comes back; damaged archives and full targets are refused."""

from __future__ import annotations

import io
import json
import os
import tarfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from app import backup, grants
from app.cli import cli
from app.cluster import APP_ROLE, OWNER_ROLE, Cluster
from tests.support.databases import TEST_DB
from tests.support.hazards import GULOU, LIUYUAN, create, point, segment
from tests.support.photos import files_in, image_bytes, upload
from tests.support.workflow import CLAIM, START, step

# Every table of the schema, as rows (count) and content (md5 of the rows, in primary-key order).
CHECKSUMS = """
SELECT format('SELECT %L, count(*), md5(coalesce(string_agg(t::text, E''\\n'' ORDER BY %s), '''')) FROM %I t',
              c.relname,
              (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n)
                 FROM pg_index i CROSS JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                WHERE i.indrelid = c.oid AND i.indisprimary),
              c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'spatial_ref_sys'
 ORDER BY c.relname
"""


async def table_checksums(url: str) -> dict[str, tuple[int, str]]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            out = {}
            for (query,) in (await conn.execute(text(CHECKSUMS))).all():
                name, count, md5 = (await conn.execute(text(query))).one()
                out[name] = (count, md5)
            sequences = await conn.execute(
                text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
            )
            out |= {f"sequence {name}": (value or 0, "") for name, value in sequences.all()}
            return out
    finally:
        await engine.dispose()


@pytest.fixture
async def empty_target(cluster: Cluster) -> AsyncIterator[str]:
    """A new, empty database with PostGIS, owned by the owner role; its name."""
    name = f"hazardmap_restore_{os.getpid()}"
    cluster.drop_database(name)
    cluster.ensure_database(name)
    yield name
    cluster.drop_database(name)


async def test_backup_and_restore_bring_back_every_table_and_photo(
    client: httpx.AsyncClient,
    cluster: Cluster,
    empty_target: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.settings import get_settings

    store = tmp_path / "photos"
    monkeypatch.setattr(get_settings(), "photo_dir", store)
    # Data: hazards and a segment, workflow events, photos (and their thumbnails).
    h = await create(client, "hazards", point(GULOU, description="路口视距不良"))
    await create(client, "hazards", point(LIUYUAN))
    await create(client, "segments", segment([(115.95, 36.46), (115.97, 36.46)]))
    await step(client, h["id"], CLAIM, "county_officer")
    await step(client, h["id"], START, "county_officer")
    for fmt, color in (("JPEG", "orange"), ("PNG", "teal")):
        r = await upload(client, h["id"], image_bytes(fmt, color=color), name=f"p.{fmt.lower()}")
        assert r.status_code == 201, r.text
    photos = files_in(store)
    assert len(photos) == 4

    archive = tmp_path / "out" / "hazardmap.backup"
    made = backup.backup(cluster.url(TEST_DB, OWNER_ROLE), store, archive)
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    assert len(made.photos) == 4 and made.revision
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert names[:2] == ["manifest.json", "database.dump"]
    assert sorted(names[2:]) == sorted(f"photos/{p.relative_to(store).as_posix()}" for p in photos)
    assert {p["path"]: p["sha256"] for p in manifest["photos"]} == {
        f"photos/{p.relative_to(store).as_posix()}": backup.sha256_file(p) for p in photos
    }
    assert manifest["database"]["sha256"] == made.dump.sha256
    assert backup.verify(archive) == made

    restored = tmp_path / "restored-photos"
    target = cluster.url(empty_target, OWNER_ROLE)
    backup.restore(archive, target, restored)

    source = await table_checksums(cluster.url(TEST_DB))
    assert source["hazards"][0] == 3 and source["hazard_photos"][0] == 2 and source["hazard_events"][0] >= 7
    assert await table_checksums(cluster.url(empty_target)) == source
    assert [p.relative_to(restored) for p in files_in(restored)] == [p.relative_to(store) for p in photos]
    assert all((restored / p.relative_to(store)).read_bytes() == p.read_bytes() for p in photos)

    # The restored database belongs to the owner; the app role gets its grants as after a migration.
    engine = create_async_engine(target, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await grants.apply(conn, APP_ROLE)
            owners = await conn.execute(
                text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
                     " AND tablename <> 'spatial_ref_sys'")
            )  # fmt: skip
            assert owners.scalars().all() == [OWNER_ROLE]
    finally:
        await engine.dispose()

    # A second restore into the now full database is refused, and changes nothing.
    again = tmp_path / "again"
    with pytest.raises(backup.BackupError, match=rf"database '{empty_target}' is not empty \(\d+ tables: "):
        backup.restore(archive, target, again)
    assert not again.exists()
    # So is a restore into a photo store that has files.
    with pytest.raises(backup.BackupError, match=r"photo store .* is not empty"):
        backup.restore(archive, cluster.url("postgres"), restored)


def damaged(archive: Path, tmp_path: Path) -> Path:
    """A copy of ``archive`` with one byte of its first photo changed."""
    out = tmp_path / "damaged.backup"
    changed = False
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for member in src:
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("photos/") and not changed:
                data, changed = bytes([data[0] ^ 1]) + data[1:], True
            dst.addfile(member, io.BytesIO(data))
    return out


async def test_a_damaged_archive_is_refused_before_anything_changes(
    client: httpx.AsyncClient,
    cluster: Cluster,
    empty_target: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.settings import get_settings

    store = tmp_path / "photos"
    monkeypatch.setattr(get_settings(), "photo_dir", store)
    h = await create(client, "hazards", point(GULOU))
    assert (await upload(client, h["id"], image_bytes("JPEG"))).status_code == 201
    archive = tmp_path / "hazardmap.backup"
    backup.backup(cluster.url(TEST_DB, OWNER_ROLE), store, archive)

    bad = damaged(archive, tmp_path)
    with pytest.raises(backup.BackupError, match=r"photos/.*: checksum does not match the manifest"):
        backup.verify(bad)
    runner = CliRunner()
    ok = runner.invoke(cli, ["restore", "--verify-only", str(archive)])
    assert ok.exit_code == 0 and "every checksum matches" in ok.output
    refused = runner.invoke(cli, ["restore", "--verify-only", str(bad)])
    assert refused.exit_code == 1 and "checksum does not match" in refused.output
    assert "nothing was restored" in refused.output
    restored = tmp_path / "restored"
    with pytest.raises(backup.BackupError, match="checksum does not match"):
        backup.restore(bad, cluster.url(empty_target, OWNER_ROLE), restored)
    assert backup.user_tables(cluster.url(empty_target, OWNER_ROLE)) == []
    assert files_in(restored) == []
    assert list(tmp_path.glob(".hazardmap-restore-*")) == []  # noqa: ASYNC240
