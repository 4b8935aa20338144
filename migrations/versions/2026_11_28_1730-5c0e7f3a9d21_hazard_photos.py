"""Evidence photos: hazard_photos, its history events, and the rectify evidence photo ids on hazards.

Revision ID: 5c0e7f3a9d21
Revises: 79d9fee61203
Create Date: 2026-11-28 17:30:00

The history of a hazard (hazard_events) is written by triggers on ``hazards``; a photo is a row of
its own table, so a trigger on ``hazard_photos`` writes the history the same way: ``photo_add`` on
insert, ``photo_remove`` when ``deleted_at`` is set. The event carries the hazard's current version
(adding a photo does not change the hazard's ETag) and the actor of ``SET LOCAL hazardmap.actor``.
Photos are never deleted (soft delete only), so a trigger refuses DELETE as it does on hazards.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5c0e7f3a9d21"
down_revision: str | None = "79d9fee61203"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PHOTO_EVENT = (
    """CREATE FUNCTION hazard_photos_record_event() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        act text;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            act := 'photo_add';
        ELSIF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN
            act := 'photo_remove';
        ELSE
            RETURN NEW;
        END IF;
        INSERT INTO hazard_events (hazard_id, version, action, actor, changes)
        SELECT h.id, h.version, act,
               coalesce(nullif(current_setting('hazardmap.actor', true), ''),
                        CASE WHEN act = 'photo_add' THEN NEW.uploaded_by ELSE NEW.deleted_by END),
               jsonb_build_object('photo', jsonb_build_object(
                   'id', NEW.id, 'stage', NEW.stage, 'sha256', NEW.sha256,
                   'media_type', NEW.media_type, 'caption', NEW.caption))
          FROM hazards h WHERE h.id = NEW.hazard_id;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER hazard_photos_record_event AFTER INSERT OR UPDATE OF deleted_at ON hazard_photos
    FOR EACH ROW EXECUTE FUNCTION hazard_photos_record_event()""",
    """CREATE FUNCTION hazard_photos_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'photos are soft-deleted (set deleted_at); DELETE refused';
    END $$""",
    """CREATE TRIGGER hazard_photos_no_delete BEFORE DELETE ON hazard_photos
    FOR EACH ROW EXECUTE FUNCTION hazard_photos_no_delete()""",
)


def upgrade() -> None:
    op.create_table(
        "hazard_photos",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("hazard_id", sa.BigInteger(), nullable=False),
        sa.Column("stage", sa.String(length=8), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=16), nullable=False),
        sa.Column("byte_size", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uploaded_by", sa.String(length=64), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint("stage IN ('report', 'before', 'after')", name=op.f("ck_hazard_photos_stage")),
        sa.CheckConstraint(
            "media_type IN ('image/jpeg', 'image/png', 'image/webp')",
            name=op.f("ck_hazard_photos_media_type"),
        ),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name=op.f("ck_hazard_photos_sha256")),
        sa.CheckConstraint("byte_size > 0 AND width > 0 AND height > 0", name=op.f("ck_hazard_photos_sizes")),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazards.id"],
            name=op.f("fk_hazard_photos_hazard_id_hazards"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_photos")),
    )
    op.create_index(op.f("ix_hazard_photos_sha256"), "hazard_photos", ["sha256"], unique=False)
    op.create_index("ix_hazard_photos_hazard_id_stage", "hazard_photos", ["hazard_id", "stage"], unique=False)
    op.add_column("hazards", sa.Column("evidence_photos", postgresql.ARRAY(sa.BigInteger()), nullable=True))
    for statement in PHOTO_EVENT:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER hazard_photos_no_delete ON hazard_photos")
    op.execute("DROP FUNCTION hazard_photos_no_delete()")
    op.execute("DROP TRIGGER hazard_photos_record_event ON hazard_photos")
    op.execute("DROP FUNCTION hazard_photos_record_event()")
    op.drop_column("hazards", "evidence_photos")
    op.drop_index("ix_hazard_photos_hazard_id_stage", table_name="hazard_photos")
    op.drop_index(op.f("ix_hazard_photos_sha256"), table_name="hazard_photos")
    op.drop_table("hazard_photos")
