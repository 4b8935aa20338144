"""What the service's role may do: grants given by the schema's owner after every migration.

The service connects as a role that is not superuser and owns nothing (``DATABASE_URL``); the
schema belongs to the role that migrates (``HAZARDMAP_MIGRATION_DATABASE_URL``). Not owning the
tables, the service cannot alter them, drop them or disable their triggers. It may read and
write every table of ``public`` except:

- the append-only histories: INSERT and SELECT only (no UPDATE, DELETE, TRUNCATE);
- the soft-deleted tables: no DELETE (``deleted_at`` instead);
- ``alembic_version``: SELECT only.

A new append-only table is added to ``APPEND_ONLY`` by the migration's author.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from app.errors import HazardmapError

APPEND_ONLY = ("hazard_events", "category_events", "road_versions")
NEVER_DELETED = ("hazards", "hazard_photos", "road_calibration_points")
READ_ONLY = ("alembic_version",)

_ROLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")

_OWNED = text(
    """SELECT c.relname, c.relkind = 'S' AS is_sequence
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
        ORDER BY c.relname"""
)


@dataclass
class GrantError(HazardmapError):
    title: str = "Grants could not be applied"


@dataclass(frozen=True)
class Plan:
    app_role: str
    statements: list[str]


def role_of(url: str) -> str:
    """The user name in a database URL."""
    return make_url(url).username or ""


def quote(role: str) -> str:
    if not _ROLE.match(role):
        raise GrantError(detail=f"{role!r} is not a role name hazardmap grants to (letters, digits, _)")
    return f'"{role}"'


def statements(app_role: str, tables: list[str], sequences: list[str]) -> list[str]:
    """The GRANTs for ``app_role`` on the owner's ``tables`` and ``sequences`` (idempotent)."""
    role = quote(app_role)
    out = [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        # Tables and sequences the owner creates later (new migrations) are covered too.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]
    for table in tables:
        if table in APPEND_ONLY:
            privileges = "SELECT, INSERT"
        elif table in NEVER_DELETED:
            privileges = "SELECT, INSERT, UPDATE"
        elif table in READ_ONLY:
            privileges = "SELECT"
        else:
            privileges = "SELECT, INSERT, UPDATE, DELETE"
        out.append(f'REVOKE ALL ON TABLE "{table}" FROM {role}')
        out.append(f'GRANT {privileges} ON TABLE "{table}" TO {role}')
    out.extend(f'GRANT USAGE, SELECT ON SEQUENCE "{s}" TO {role}' for s in sequences)
    return out


async def plan(conn: AsyncConnection, app_role: str) -> Plan:
    """What ``apply`` would run, on the connection's role (the owner)."""
    quote(app_role)
    found = await conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :r"), {"r": app_role})
    row = found.first()
    if row is None:
        raise GrantError(
            detail=f"role {app_role!r} does not exist: create it first (README, 'On an existing PostGIS')"
        )
    if row[0]:
        raise GrantError(detail=f"role {app_role!r} is a superuser: the service must not connect as one")
    owned = (await conn.execute(_OWNED)).all()
    tables = [name for name, is_sequence in owned if not is_sequence]
    sequences = [name for name, is_sequence in owned if is_sequence]
    return Plan(app_role, statements(app_role, tables, sequences))


async def apply(conn: AsyncConnection, app_role: str) -> Plan:
    """Grant ``app_role`` what the service needs on every table the connection's role owns."""
    p = await plan(conn, app_role)
    for statement in p.statements:
        await conn.execute(text(statement))
    return p
