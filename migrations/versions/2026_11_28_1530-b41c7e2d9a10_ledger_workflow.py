"""The ledger workflow: claim, rectification, verified close-out, supervision; a note on events.

Revision ID: b41c7e2d9a10
Revises: 6d39ec3092d5
Create Date: 2026-11-28 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b41c7e2d9a10"
down_revision: str | None = "6d39ec3092d5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "'reported', 'claimed', 'rectifying', 'rectified', 'closed', 'rejected'"
NEW_STATUSES = f"{OLD_STATUSES}, 'duplicate'"

# The event keeps the note of the transition; otherwise the function is the foundation's.
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

# A signature is a record of who signed and when: once given, nothing may rewrite it.
CLAIM_SIGNED = (
    """CREATE FUNCTION hazards_claim_signed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.claimed_at IS NOT NULL AND
           (NEW.claim_name, NEW.claim_post, NEW.claim_unit, NEW.claimed_at)
           IS DISTINCT FROM (OLD.claim_name, OLD.claim_post, OLD.claim_unit, OLD.claimed_at) THEN
            RAISE EXCEPTION 'the claim of hazard % is signed and cannot be changed', OLD.id
                USING ERRCODE = 'HM002';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER hazards_claim_signed BEFORE UPDATE ON hazards
    FOR EACH ROW EXECUTE FUNCTION hazards_claim_signed()""",
)

def _columns() -> tuple[sa.Column, ...]:
    # Fresh objects each time: a Column belongs to one table once added.
    return (
        sa.Column("claim_name", sa.String(length=64), nullable=True),
        sa.Column("claim_post", sa.String(length=64), nullable=True),
        sa.Column("claim_unit", sa.String(length=128), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("measures", sa.Text(), nullable=True),
        sa.Column("interim_measures", sa.Text(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("rectified_by", sa.String(length=64), nullable=True),
        sa.Column("rectified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verifier", sa.String(length=64), nullable=True),
        sa.Column("verification", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("duplicate_of", sa.BigInteger(), nullable=True),
        sa.Column("supervision_level", sa.String(length=8), nullable=True),
        sa.Column("supervision_reason", sa.Text(), nullable=True),
        sa.Column("supervised_since", sa.DateTime(timezone=True), nullable=True),
    )


def upgrade() -> None:
    for column in _columns():
        op.add_column("hazards", column)
    op.create_foreign_key(
        op.f("fk_hazards_duplicate_of_hazards"), "hazards", "hazards", ["duplicate_of"], ["id"]
    )
    op.create_check_constraint(
        op.f("ck_hazards_supervision_level"), "hazards", "supervision_level IN ('city', 'county')"
    )
    op.drop_constraint(op.f("ck_hazards_status"), "hazards", type_="check")
    op.create_check_constraint(op.f("ck_hazards_status"), "hazards", f"status IN ({NEW_STATUSES})")
    op.add_column("hazard_events", sa.Column("note", sa.Text(), nullable=True))
    op.execute(RECORD_EVENT % (", note", ", nullif(current_setting('hazardmap.note', true), '')"))
    for statement in CLAIM_SIGNED:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER hazards_claim_signed ON hazards")
    op.execute("DROP FUNCTION hazards_claim_signed()")
    op.execute(RECORD_EVENT % ("", ""))
    op.drop_column("hazard_events", "note")
    op.drop_constraint(op.f("ck_hazards_status"), "hazards", type_="check")
    op.execute("UPDATE hazards SET status = 'rejected' WHERE status = 'duplicate'")
    op.create_check_constraint(op.f("ck_hazards_status"), "hazards", f"status IN ({OLD_STATUSES})")
    op.drop_constraint(op.f("ck_hazards_supervision_level"), "hazards", type_="check")
    op.drop_constraint(op.f("fk_hazards_duplicate_of_hazards"), "hazards", type_="foreignkey")
    for column in reversed(_columns()):
        op.drop_column("hazards", column.name)
