from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TransitionIn(BaseModel):
    """One move of the workflow. Which fields are required depends on the action (lifecycle.TABLE)."""

    model_config = ConfigDict(extra="forbid")

    action: str = Field(
        description="claim, start, rectify, close, reject, duplicate, reopen, list, delist",
        examples=["claim"],
    )
    note: str | None = Field(default=None, max_length=2000, description="A remark kept in the history.")
    # claim (签字认领)
    name: str | None = Field(default=None, max_length=64, description="claim: the signing official")
    post: str | None = Field(default=None, max_length=64, description="claim: their post (职务)")
    unit: str | None = Field(
        default=None, max_length=128, description="claim: the county/district government or zone committee"
    )
    signed_at: datetime | None = Field(default=None, description="claim: when signed; now if absent")
    # start (整改)
    measures: str | None = Field(default=None, max_length=4000, description="start: 整改措施")
    interim_measures: str | None = Field(
        default=None, max_length=4000, description="start: interim traffic-control measures (临时管控措施)"
    )
    deadline: date | None = Field(
        default=None, description="start, reopen: 整改时限; by default from the grade (settings)"
    )
    # rectify
    evidence: str | None = Field(default=None, max_length=4000, description="rectify: evidence notes")
    photos: list[int] | None = Field(
        default=None,
        max_length=50,
        description="rectify: ids of this hazard's 'before'/'after' photos (POST /{id}/photos) as evidence",
    )
    # close (销号)
    verifier: str | None = Field(
        default=None, max_length=64, description="close: who checked; not who marked it rectified"
    )
    verification: str | None = Field(default=None, max_length=4000, description="close: their check")
    # reject, reopen, list
    reason: str | None = Field(default=None, max_length=2000)
    # duplicate
    of: int | None = Field(default=None, ge=1, description="duplicate: the id of the hazard it duplicates")
    # list (挂牌督办)
    level: Literal["city", "county"] | None = Field(default=None, description="list: city or county")
