from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock, overdue
from app.hazards import repository as hazards
from app.sqlfiles import load


@dataclass(frozen=True)
class State:
    kind: str
    version: int
    deleted: bool
    status: str
    grade: str
    deadline: date | None
    rectified_by: str | None
    supervision_level: str | None
    county_code: str | None
    reported_at: datetime


async def lock(session: AsyncSession, hazard_id: int) -> State | None:
    row = (
        await session.execute(
            text(
                "SELECT kind, version, deleted_at IS NOT NULL AS deleted, status, grade, deadline,"
                " rectified_by, supervision_level, county_code, reported_at"
                " FROM hazards WHERE id = :id FOR UPDATE"
            ),
            {"id": hazard_id},
        )
    ).one_or_none()
    return None if row is None else State(*row)


async def exists(session: AsyncSession, hazard_id: int) -> bool:
    found = await session.execute(
        text("SELECT 1 FROM hazards WHERE id = :id AND deleted_at IS NULL"), {"id": hazard_id}
    )
    return found.one_or_none() is not None


async def today_beijing(session: AsyncSession) -> date:
    today = text("SELECT (now() AT TIME ZONE :tz)::date")
    value = (await session.execute(today, {"tz": clock.TIME_ZONE})).scalar_one()
    assert isinstance(value, date)
    return value


# The columns a transition may write; our code picks them, the guard keeps identifiers honest.
WORKFLOW_COLUMNS = frozenset(
    {
        "status",
        "deadline",
        "claim_name",
        "claim_post",
        "claim_unit",
        "claimed_at",
        "measures",
        "interim_measures",
        "evidence",
        "evidence_photos",
        "rectified_by",
        "rectified_at",
        "verifier",
        "verification",
        "closed_at",
        "reject_reason",
        "duplicate_of",
        "supervision_level",
        "supervision_reason",
        "supervised_since",
    }
)
# Set to the transaction's time by the database, so every step of a move has one clock.
NOW = object()


async def apply(
    session: AsyncSession,
    hazard_id: int,
    version: int,
    values: dict[str, Any],
    *,
    actor: str,
    action: str,
    note: str | None,
) -> int:
    await session.execute(
        text(
            "SELECT set_config('hazardmap.actor', :actor, true),"
            " set_config('hazardmap.action', :action, true),"
            " set_config('hazardmap.note', :note, true)"
        ),
        {"actor": actor, "action": action, "note": note or ""},
    )
    sets = []
    params: dict[str, Any] = {}
    for column, value in values.items():
        if column not in WORKFLOW_COLUMNS:
            raise ValueError(f"not a workflow column: {column}")
        if value is NOW:
            sets.append(f'"{column}" = now()')
        else:
            sets.append(f'"{column}" = :v_{column}')
            params[f"v_{column}"] = value
    changed = await hazards.versioned_update(session, hazard_id, version, sets, params, actor)
    # The next statement of this transaction is not a transition: do not lend it our action.
    await session.execute(
        text("SELECT set_config('hazardmap.action', '', true), set_config('hazardmap.note', '', true)")
    )
    return changed


async def suggestions(session: AsyncSession) -> str:
    """挂牌督办: the open hazards to suggest for listing, as JSON text (``sql/suggestions.sql``)."""
    result = await session.execute(text(load("app.workflow", "suggestions")), overdue.params())
    return str(result.scalar_one())
