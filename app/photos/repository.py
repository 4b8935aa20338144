from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.sqlfiles import load


@dataclass(frozen=True)
class HazardState:
    kind: str
    deleted: bool
    county_code: str


async def hazard(session: AsyncSession, hazard_id: int, lock: bool = False) -> HazardState | None:
    # FOR SHARE: the hazard cannot be deleted while a photo is being added to or removed from it.
    row = (
        await session.execute(
            text(
                "SELECT kind, deleted_at IS NOT NULL AS deleted, county_code FROM hazards WHERE id = :id"
                + (" FOR SHARE" if lock else "")
            ),
            {"id": hazard_id},
        )
    ).one_or_none()
    return None if row is None else HazardState(row.kind, row.deleted, row.county_code)


@dataclass(frozen=True)
class NewPhoto:
    hazard_id: int
    stage: str
    sha256: str
    media_type: str
    byte_size: int
    width: int
    height: int
    taken_at: datetime | None
    uploaded_by: str
    caption: str | None


async def set_actor(session: AsyncSession, actor: str) -> None:
    await session.execute(text("SELECT set_config('hazardmap.actor', :a, true)"), {"a": actor})


async def same_photo(session: AsyncSession, hazard_id: int, stage: str, sha256: str) -> int | None:
    """A live photo of this hazard and stage with these very bytes (a resent upload), if any."""
    found = await session.execute(
        text(
            "SELECT id FROM hazard_photos WHERE hazard_id = :h AND stage = :s AND sha256 = :sha"
            " AND deleted_at IS NULL ORDER BY id LIMIT 1"
        ),
        {"h": hazard_id, "s": stage, "sha": sha256},
    )
    value = found.scalar_one_or_none()
    return int(value) if value is not None else None


async def insert(session: AsyncSession, p: NewPhoto) -> int:
    # A naive EXIF time is the camera's wall clock: in Liaocheng, Beijing time.
    new_id = (
        await session.execute(
            text(
                """
                INSERT INTO hazard_photos (hazard_id, stage, sha256, media_type, byte_size, width, height,
                                           taken_at, uploaded_by, caption)
                VALUES (:hazard_id, :stage, :sha256, :media_type, :byte_size, :width, :height,
                        CASE WHEN :naive THEN CAST(:taken_local AS timestamp) AT TIME ZONE 'Asia/Shanghai'
                             ELSE CAST(:taken_at AS timestamptz) END,
                        :uploaded_by, :caption)
                RETURNING id
                """
            ),
            {
                **p.__dict__,
                "naive": p.taken_at is not None and p.taken_at.tzinfo is None,
                "taken_local": p.taken_at if p.taken_at is not None and p.taken_at.tzinfo is None else None,
                "taken_at": p.taken_at if p.taken_at is not None and p.taken_at.tzinfo is not None else None,
            },
        )
    ).scalar_one()
    return int(new_id)


@dataclass(frozen=True)
class Photo:
    id: int
    hazard_id: int
    hazard_kind: str
    hazard_deleted: bool
    stage: str
    sha256: str
    media_type: str
    deleted: bool
    county_code: str


async def one(session: AsyncSession, photo_id: int, lock: bool = False) -> Photo | None:
    row = (
        await session.execute(
            text(
                "SELECT p.id, p.hazard_id, h.kind, h.deleted_at IS NOT NULL, p.stage, p.sha256, p.media_type,"
                " p.deleted_at IS NOT NULL, h.county_code"
                " FROM hazard_photos p JOIN hazards h ON h.id = p.hazard_id WHERE p.id = :id"
                + (" FOR UPDATE OF p" if lock else "")
            ),
            {"id": photo_id},
        )
    ).one_or_none()
    return None if row is None else Photo(*row)


async def list_json(session: AsyncSession, hazard_id: int, base: str) -> str:
    value = (
        await session.execute(
            text(load("app.photos", "list")), {"hazard_id": hazard_id, "photo_id": None, "base": base}
        )
    ).scalar_one()
    return str(value)


async def one_json(session: AsyncSession, photo_id: int, base: str) -> str:
    value = (
        await session.execute(
            text(load("app.photos", "list")), {"hazard_id": None, "photo_id": photo_id, "base": base}
        )
    ).scalar_one()
    return str(value)[1:-1]  # the one object of the array


async def soft_delete(session: AsyncSession, photo_id: int, actor: str) -> None:
    await session.execute(
        text(
            "UPDATE hazard_photos SET deleted_at = now(), deleted_by = :actor"
            " WHERE id = :id AND deleted_at IS NULL"
        ),
        {"id": photo_id, "actor": actor},
    )


async def evidence_photos(
    session: AsyncSession, hazard_id: int, ids: list[int]
) -> dict[int, tuple[int, str]]:
    """id → (hazard_id, stage) of the live photos among ``ids``."""
    rows = await session.execute(
        text("SELECT id, hazard_id, stage FROM hazard_photos WHERE id = ANY(:ids) AND deleted_at IS NULL"),
        {"ids": ids},
    )
    return {r.id: (r.hazard_id, r.stage) for r in rows}
