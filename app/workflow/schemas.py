"""The body of a transition: one model per action, told apart by ``action`` (a discriminated union).

Each action declares its own fields, and the OpenAPI document shows them per action. A field the
workflow table requires (``app.hazards.lifecycle.TABLE``) is marked required in the document; the
service checks it against the table (blank counts as missing), so the refusal names the action.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from app.hazards.lifecycle import TABLE, Action

_NOTE = Field(default=None, max_length=2000, description="A remark kept in the history.")
_REASON = Field(default=None, max_length=2000)
_DEADLINE = Field(default=None, description="整改时限; by default from the grade (settings)")


def _required(action: Action) -> dict[str, Any]:
    """The JSON schema's ``required``: the action, and what the workflow table requires for it."""
    fields = dict.fromkeys(f for (_, a), move in TABLE.items() if a is action for f in move.required)
    return {"required": ["action", *fields]}


class _Move(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClaimIn(_Move):
    """签字认领: the county's signing official claims the hazard."""

    model_config = ConfigDict(json_schema_extra=_required(Action.claim))
    action: Literal["claim"]
    note: str | None = _NOTE
    name: str | None = Field(default=None, max_length=64, description="The signing official.")
    post: str | None = Field(default=None, max_length=64, description="Their post (职务).")
    unit: str | None = Field(
        default=None, max_length=128, description="The county/district government or zone committee."
    )
    signed_at: datetime | None = Field(default=None, description="When signed; now if absent.")


class StartIn(_Move):
    """开始整改: the measures, and the interim traffic control until they are done."""

    model_config = ConfigDict(json_schema_extra=_required(Action.start))
    action: Literal["start"]
    note: str | None = _NOTE
    measures: str | None = Field(default=None, max_length=4000, description="整改措施.")
    interim_measures: str | None = Field(
        default=None, max_length=4000, description="Interim traffic-control measures (临时管控措施)."
    )
    deadline: date | None = _DEADLINE


class RectifyIn(_Move):
    """整改完成: the evidence, and the photos that show it."""

    model_config = ConfigDict(json_schema_extra=_required(Action.rectify))
    action: Literal["rectify"]
    note: str | None = _NOTE
    evidence: str | None = Field(default=None, max_length=4000, description="Evidence notes.")
    photos: list[int] | None = Field(
        default=None,
        max_length=50,
        description="Ids of this hazard's 'before'/'after' photos (POST /{id}/photos) as evidence.",
    )


class CloseIn(_Move):
    """核验销号: checked by someone other than who marked it rectified."""

    model_config = ConfigDict(json_schema_extra=_required(Action.close))
    action: Literal["close"]
    note: str | None = _NOTE
    verifier: str | None = Field(
        default=None, max_length=64, description="Who checked; not who marked it rectified."
    )
    verification: str | None = Field(default=None, max_length=4000, description="Their check.")


class RejectIn(_Move):
    """不予认定: not a hazard of the ledger."""

    model_config = ConfigDict(json_schema_extra=_required(Action.reject))
    action: Literal["reject"]
    note: str | None = _NOTE
    reason: str | None = _REASON


class DuplicateIn(_Move):
    """合并重复: the same hazard as another one."""

    model_config = ConfigDict(json_schema_extra=_required(Action.duplicate))
    action: Literal["duplicate"]
    note: str | None = _NOTE
    of: int | None = Field(default=None, ge=1, description="The id of the hazard it duplicates.")


class ReopenIn(_Move):
    """重新整改: a closed hazard back to rectification."""

    model_config = ConfigDict(json_schema_extra=_required(Action.reopen))
    action: Literal["reopen"]
    note: str | None = _NOTE
    reason: str | None = _REASON
    deadline: date | None = _DEADLINE


class ListIn(_Move):
    """挂牌督办: listed for supervision by the city or the county."""

    model_config = ConfigDict(json_schema_extra=_required(Action.list))
    action: Literal["list"]
    note: str | None = _NOTE
    level: Literal["city", "county"] | None = Field(default=None, description="city or county.")
    reason: str | None = _REASON


class DelistIn(_Move):
    """摘牌: supervision ends (once the hazard is closed)."""

    model_config = ConfigDict(json_schema_extra=_required(Action.delist))
    action: Literal["delist"]
    note: str | None = _NOTE


Move = ClaimIn | StartIn | RectifyIn | CloseIn | RejectIn | DuplicateIn | ReopenIn | ListIn | DelistIn


class TransitionIn(RootModel[Annotated[Move, Field(discriminator="action")]]):
    """One move of the workflow: the action and its own fields."""

    root: Annotated[Move, Field(discriminator="action")]


# Each action's model.
MODELS: dict[Action, type[_Move]] = {
    Action.claim: ClaimIn,
    Action.start: StartIn,
    Action.rectify: RectifyIn,
    Action.close: CloseIn,
    Action.reject: RejectIn,
    Action.duplicate: DuplicateIn,
    Action.reopen: ReopenIn,
    Action.list: ListIn,
    Action.delist: DelistIn,
}
