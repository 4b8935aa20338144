"""The job queue: procrastinate's tables, types and functions, in the schema the service already uses.

Imports (and every other background job) are queued in ``procrastinate_jobs`` and run by
``hazardmap worker`` processes. The schema is procrastinate's own, as the pinned version ships it
(``procrastinate.schema.SchemaManager.get_schema``); upgrading procrastinate means a migration that
runs the package's ``sql/migrations`` files between the two versions. The grants of ``hazardmap db
grant`` (run after every migration) give the service's role the rows of these tables; their
functions are SECURITY INVOKER, so the service role can do nothing through them that it could not
do with its grants.

Revision ID: 7a3e9c51d0b4
Revises: 0d7e4c1a9f36
Create Date: 2026-12-06 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from procrastinate.schema import SchemaManager
from sqlalchemy.util import await_

revision: str = "7a3e9c51d0b4"
down_revision: str | None = "0d7e4c1a9f36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("procrastinate_events", "procrastinate_periodic_defers", "procrastinate_jobs", "procrastinate_workers")
TYPES = ("procrastinate_job_to_defer_v1", "procrastinate_job_event_type", "procrastinate_job_status")


def _run_script(sql: str) -> None:
    """Several statements with dollar-quoted bodies: sent as one simple query, as psql would (asyncpg's
    ``execute`` without arguments), inside the migration's transaction."""
    raw = op.get_bind().connection.driver_connection
    await_(raw.execute(sql))


def upgrade() -> None:
    _run_script(SchemaManager.get_schema())


def downgrade() -> None:
    bind = op.get_bind()
    functions = bind.exec_driver_sql(
        """SELECT p.oid::regprocedure::text FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'"""
    ).scalars()
    statements = [f"DROP TABLE IF EXISTS {t} CASCADE" for t in TABLES]
    statements += [f"DROP FUNCTION IF EXISTS {f} CASCADE" for f in list(functions)]
    statements += [f"DROP TYPE IF EXISTS {t} CASCADE" for t in TYPES]
    for statement in statements:
        op.execute(statement)
