"""Demo rows' history at the times their steps were taken.

The demo data set takes each row through the workflow over the past year; its history events
should say when each step happened, not when the demo was loaded. The event trigger takes the
time from ``SET LOCAL hazardmap.at`` (its creation: from the day it was reported) for rows marked
demo, and for no other row: the time of a real row's event is always the database's clock, which
no client can set.

Revision ID: d3e0a7f1b2c4
Revises: 5ec0a11d3b7e
Create Date: 2026-12-06 17:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "d3e0a7f1b2c4"
down_revision: str | None = "5ec0a11d3b7e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The event function of the ledger workflow migration, with two places for more columns.
RECORD_EVENT = """CREATE OR REPLACE FUNCTION hazards_record_event() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        diff jsonb;
        act text := nullif(current_setting('hazardmap.action', true), '');
    BEGIN
        IF TG_OP = 'INSERT' THEN
            diff := to_jsonb(NEW) - 'version' - 'updated_at' - 'created_at';
            act := coalesce(act, 'create');
        ELSE
            SELECT coalesce(jsonb_object_agg(n.key, jsonb_build_array(o.value, n.value)), '{}')
              INTO diff
              FROM jsonb_each(to_jsonb(NEW)) n JOIN jsonb_each(to_jsonb(OLD)) o USING (key)
             WHERE n.key NOT IN ('version', 'updated_at', 'updated_by')
               AND n.value IS DISTINCT FROM o.value;
            IF diff = '{}' THEN
                RETURN NEW;
            END IF;
            act := coalesce(act, CASE WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL
                                      THEN 'delete' ELSE 'update' END);
        END IF;
        INSERT INTO hazard_events (hazard_id, version, action, actor, changes%s)
        VALUES (NEW.id, NEW.version, act,
                coalesce(nullif(current_setting('hazardmap.actor', true), ''), NEW.updated_by, NEW.created_by),
                diff%s);
        RETURN NEW;
    END $$"""
NOTE = ", nullif(current_setting('hazardmap.note', true), '')"
DEMO_AT = (
    ", CASE WHEN NEW.demo THEN coalesce("
    "CAST(nullif(current_setting('hazardmap.at', true), '') AS timestamptz),"
    " CASE WHEN TG_OP = 'INSERT' THEN NEW.reported_at END, now()) ELSE now() END"
)


def upgrade() -> None:
    op.execute(RECORD_EVENT % (", note, at", NOTE + DEMO_AT))


def downgrade() -> None:
    op.execute(RECORD_EVENT % (", note", NOTE))
