"""The service's database role: not superuser, owns nothing, history insert-only; passwords over TCP."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.cluster import APP_ROLE, OWNER_ROLE, Cluster
from tests.support.databases import TEST_DB


@pytest.fixture
async def app_conn(app_engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection of the application under test (the app role), rolled back at the end."""
    async with app_engine.connect() as conn:
        yield conn
        await conn.rollback()


async def refused(conn: AsyncConnection, sql: str) -> str:
    """The SQLSTATE of the error ``sql`` raises, in a savepoint so that the connection goes on."""
    with pytest.raises(DBAPIError) as caught:
        async with conn.begin_nested():
            await conn.execute(text(sql))
    return str(caught.value.orig.sqlstate)  # type: ignore[union-attr]


async def test_the_app_role_is_not_superuser_and_owns_nothing(app_conn: AsyncConnection) -> None:
    row = (
        await app_conn.execute(
            text(
                """SELECT current_user, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls,
                          (SELECT count(*) FROM pg_class WHERE relowner = r.oid),
                          (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid),
                          (SELECT count(*) FROM pg_database WHERE datdba = r.oid)
                     FROM pg_roles r WHERE rolname = current_user"""
            )
        )
    ).one()
    assert tuple(row) == (APP_ROLE, False, False, False, False, 0, 0, 0)


@pytest.mark.parametrize("table", ["hazard_events", "category_events"])
async def test_the_history_is_insert_only_for_the_app_role(app_conn: AsyncConnection, table: str) -> None:
    # 42501 insufficient_privilege: refused by the grants, before any trigger is asked.
    assert await refused(app_conn, f"UPDATE {table} SET actor = 'someone'") == "42501"
    assert await refused(app_conn, f"DELETE FROM {table}") == "42501"
    assert await refused(app_conn, f"TRUNCATE {table}") == "42501"
    assert await refused(app_conn, f"ALTER TABLE {table} DISABLE TRIGGER ALL") == "42501"
    privileges = (
        await app_conn.execute(
            text(
                "SELECT string_agg(p, ',' ORDER BY p) FROM unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE',"
                "'TRUNCATE','REFERENCES','TRIGGER']) p WHERE has_table_privilege(current_user, :t, p)"
            ),
            {"t": table},
        )
    ).scalar_one()
    assert privileges == "INSERT,SELECT"


async def test_the_app_role_cannot_delete_hazards_nor_escape(app_conn: AsyncConnection) -> None:
    assert await refused(app_conn, "DELETE FROM hazards") == "42501"
    assert await refused(app_conn, "DELETE FROM hazard_photos") == "42501"
    assert await refused(app_conn, "ALTER TABLE hazards DISABLE TRIGGER hazards_record_event") == "42501"
    assert await refused(app_conn, "DROP TABLE crashes") == "42501"
    assert await refused(app_conn, "CREATE TABLE public.mine (id int)") == "42501"
    assert await refused(app_conn, "UPDATE alembic_version SET version_num = 'x'") == "42501"
    assert await refused(app_conn, "SET session_replication_role = replica") == "42501"
    assert await refused(app_conn, "COPY (SELECT 1) TO PROGRAM 'true'") == "42501"
    assert await refused(app_conn, "COPY (SELECT 1) TO '/tmp/hazardmap-copy-test'") == "42501"


async def test_tcp_needs_a_password(cluster: Cluster, engine: AsyncEngine) -> None:
    for user in (APP_ROLE, OWNER_ROLE, cluster.superuser):
        with pytest.raises(asyncpg.PostgresError, match="password"):
            await asyncpg.connect(host="127.0.0.1", port=cluster.port, user=user, database=TEST_DB)
        with pytest.raises(asyncpg.InvalidPasswordError):
            await asyncpg.connect(
                host="127.0.0.1", port=cluster.port, user=user, database=TEST_DB, password="wrong"
            )
    # With its password, the app role gets in (scram-sha-256).
    password = cluster.passwords()[APP_ROLE]
    conn = await asyncpg.connect(
        host="127.0.0.1", port=cluster.port, user=APP_ROLE, database=TEST_DB, password=password
    )
    try:
        assert await conn.fetchval("SELECT current_user") == APP_ROLE
    finally:
        await conn.close()


def test_the_passwords_and_the_socket_are_the_owners_only(cluster: Cluster) -> None:
    assert stat.S_IMODE(cluster.password_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(cluster.socket_dir.stat().st_mode) == 0o700
    assert cluster.psql("SHOW unix_socket_permissions") == "0700"
    assert cluster.psql("SHOW password_encryption") == "scram-sha-256"
    rules = cluster.psql(
        "SELECT type, array_to_string(database, ','), coalesce(address, ''), auth_method"
        " FROM pg_hba_file_rules ORDER BY line_number"
    )
    # The socket (the cluster's owner only) also serves pg_basebackup, for a standby (Cluster.standby).
    assert rules.splitlines() == [
        "local|all||trust",
        "local|replication||trust",
        "host|all|127.0.0.1|scram-sha-256",
        "host|all|::1|scram-sha-256",
    ]
