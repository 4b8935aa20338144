"""The history of new hazards written set-wise; zone and village kept when placed set-wise.

A new hazard's history event ("create", "import", the demo's steps) was written by a row
trigger: one PL/pgSQL call and one INSERT per row, most of the time of a bulk import. It is now
written by a statement trigger over the statement's new rows (a transition table): one INSERT …
SELECT per statement, whatever the number of rows, with the same action, actor, note, time and
changes as the row trigger wrote. Every INSERT into hazards still records every row; a change
(UPDATE) is still recorded row by row.

``hazards_zone_village`` placed every new row one at a time (two or three lookups a row). An
importer that placed its rows set-wise by the same rule (``hazard_zone_village``) says so around
its INSERT with the transaction-local setting ``hazardmap.placed = 'set-wise'``, and the trigger
keeps the zone and the village given to the new rows (never on an UPDATE). Nothing is lost by
trusting it: the service's role may set those two columns by an UPDATE anyway; the rule stays in
``hazard_zone_village``.

Revision ID: b7ca5e1f0a93
Revises: e7c4a2d95b1f
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "b7ca5e1f0a93"
down_revision: str | None = "e7c4a2d95b1f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The INSERT branch of hazards_record_event (migration demo_event_times), over a set of rows. The
# changes are the row as JSON without version and times, as before; the geometry is written by
# ST_AsGeoJSON(geom, 15, 2), which gives the same JSON as the geometry's own cast to jsonb that
# to_jsonb(row) calls, without looking its CRS up again for every row (most of the old cost). The
# columns are read from the catalogue at each statement, so that a column added later is recorded.
# The new rows come in the order they were inserted (their ids'), and so do their events: no sort.
RECORD_CREATED = """CREATE FUNCTION hazards_record_created() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        cols text;
    BEGIN
        SELECT string_agg(format('n.%I', a.attname), ', ' ORDER BY a.attnum) INTO cols
          FROM pg_attribute a
         WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped
           AND a.attname NOT IN ('geom', 'version', 'updated_at', 'created_at');
        EXECUTE format($q$
            INSERT INTO hazard_events (hazard_id, version, action, actor, changes, note, at)
            SELECT n.id, n.version, $1, coalesce($2, n.updated_by, n.created_by),
                   to_jsonb(c) || jsonb_build_object('geom', ST_AsGeoJSON(n.geom, 15, 2)::jsonb),
                   $3, CASE WHEN n.demo THEN coalesce($4, n.reported_at, now()) ELSE now() END
              FROM created AS n CROSS JOIN LATERAL (SELECT %s) AS c$q$, cols)
        USING coalesce(nullif(current_setting('hazardmap.action', true), ''), 'create'),
              nullif(current_setting('hazardmap.actor', true), ''),
              nullif(current_setting('hazardmap.note', true), ''),
              CAST(nullif(current_setting('hazardmap.at', true), '') AS timestamptz);
        RETURN NULL;
    END $$"""

ZONE_VILLAGE_WHEN = "current_setting('hazardmap.placed', true) IS DISTINCT FROM 'set-wise'"


def upgrade() -> None:
    op.execute("DROP TRIGGER hazards_record_event ON hazards")
    op.execute(
        "CREATE TRIGGER hazards_record_event AFTER UPDATE ON hazards"
        " FOR EACH ROW EXECUTE FUNCTION hazards_record_event()"
    )
    op.execute(RECORD_CREATED)
    op.execute(
        "CREATE TRIGGER hazards_record_created AFTER INSERT ON hazards"
        " REFERENCING NEW TABLE AS created FOR EACH STATEMENT EXECUTE FUNCTION hazards_record_created()"
    )
    # Two triggers, so that the setting can only keep the zone and village of new rows; the names
    # keep them after hazards_assign (BEFORE triggers run in the order of their names).
    op.execute("DROP TRIGGER hazards_zone_village ON hazards")
    op.execute(
        "CREATE TRIGGER hazards_zone_village BEFORE UPDATE ON hazards"
        " FOR EACH ROW EXECUTE FUNCTION hazards_zone_village()"
    )
    op.execute(
        "CREATE TRIGGER hazards_zone_village_new BEFORE INSERT ON hazards"
        f" FOR EACH ROW WHEN ({ZONE_VILLAGE_WHEN}) EXECUTE FUNCTION hazards_zone_village()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER hazards_zone_village_new ON hazards")
    op.execute("DROP TRIGGER hazards_zone_village ON hazards")
    op.execute(
        "CREATE TRIGGER hazards_zone_village BEFORE INSERT OR UPDATE ON hazards"
        " FOR EACH ROW EXECUTE FUNCTION hazards_zone_village()"
    )
    op.execute("DROP TRIGGER hazards_record_created ON hazards")
    op.execute("DROP FUNCTION hazards_record_created()")
    op.execute("DROP TRIGGER hazards_record_event ON hazards")
    op.execute(
        "CREATE TRIGGER hazards_record_event AFTER INSERT OR UPDATE ON hazards"
        " FOR EACH ROW EXECUTE FUNCTION hazards_record_event()"
    )
