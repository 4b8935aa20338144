"""Applies a move of the workflow to a hazard: checks, then one UPDATE that the triggers record."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.permissions import Permission, Principal, check_county
from app.clock import beijing_if_naive, day_of
from app.errors import (
    Conflict,
    FieldError,
    Forbidden,
    Gone,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    invalid,
)
from app.hazards import lifecycle as machine
from app.hazards import service as hazards
from app.hazards.lifecycle import Action
from app.hazards.service import Written
from app.hazards.validation import CLOCK_SKEW, EARLIEST, LATEST
from app.http import check_if_match
from app.notifications import service as notifications
from app.paths import collection_of
from app.photos import service as photos
from app.settings import get_settings
from app.vocab import Grade, HazardKind, Status
from app.workflow import repository as repo
from app.workflow import schemas
from app.workflow.schemas import TransitionIn

# Who may take each action (app.accounts.permissions.ROLE_PERMISSIONS says which roles hold which).
ACTION_PERMISSION = {
    Action.claim: Permission.claim,
    Action.start: Permission.start,
    Action.rectify: Permission.rectify,
    Action.close: Permission.close,
    Action.reject: Permission.reject,
    Action.duplicate: Permission.duplicate,
    Action.reopen: Permission.reopen,
    Action.list: Permission.supervise,
    Action.delist: Permission.supervise,
}


def deadline_days(grade: str) -> int:
    s = get_settings()
    return {
        Grade.general: s.deadline_days_general,
        Grade.significant: s.deadline_days_significant,
        Grade.major: s.deadline_days_major,
    }[Grade(grade)]


def _validate(body: Any) -> schemas.Move:
    """The body as its action's model; every refusal names the field."""
    if not isinstance(body, dict):
        raise invalid("body", "send a JSON object with an 'action' and its fields")
    action = body.get("action")
    if "action" not in body:
        raise invalid("action", "Field required")
    if not isinstance(action, str):
        raise invalid("action", "Input should be a valid string")
    if action not in Action.codes():
        raise invalid("action", f"unknown action '{action}'; one of: {', '.join(Action.codes())}")
    try:
        return TransitionIn.model_validate(body).root
    except ValidationError as exc:
        errors = [_field_error(Action(action), e) for e in exc.errors()]
        raise InvalidInput(
            detail="; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors
        ) from exc


def _field_error(action: Action, error: Any) -> FieldError:
    loc = error["loc"][1:]  # the first is the union's tag, the action
    field = ".".join(str(p) for p in loc) or "body"
    if error["type"] == "extra_forbidden" and len(loc) == 1:
        owners = [a for a, model in schemas.MODELS.items() if field in model.model_fields]
        if field == "photos":
            return FieldError(field, f"photos are evidence of 'rectify', not of '{action}'")
        if owners:
            of = ", ".join(f"'{a.value}'" for a in owners)
            return FieldError(field, f"a field of {of}, not of '{action}'")
    return FieldError(field, str(error["msg"]))


async def transition(
    session: AsyncSession,
    kind: HazardKind,
    hazard_id: int,
    body: Any,
    if_match: str | None,
    principal: Principal,
) -> Written:
    actor = principal.actor
    state = await repo.lock(session, hazard_id)
    if state is None or state.kind != kind.value:
        raise NotFound(detail=f"there is no {kind.en} with id {hazard_id} under /{collection_of(kind)}")
    if state.deleted:
        raise Gone(detail=f"{kind.en} {hazard_id} has been deleted; it takes no more transitions")
    check_if_match(if_match, state.version)
    t = _validate(body)
    action = Action(t.action)
    principal.require(ACTION_PERMISSION[action])
    check_county(principal, state.county_code)
    status = Status(state.status)
    try:
        move = machine.move(status, action)
    except machine.Refused as exc:
        raise Conflict(detail=str(exc)) from exc
    if action is Action.list and state.supervision_level is not None:
        raise Conflict(
            detail=f"{kind.en} {hazard_id} is already listed for supervision ({state.supervision_level})"
        )
    if action is Action.delist and state.supervision_level is None:
        raise Conflict(
            detail=f"{kind.en} {hazard_id} is not listed for supervision; there is nothing to delist"
        )
    lacking = machine.missing(move, t.model_dump())
    if lacking:
        raise InvalidInput(
            detail=f"'{action}' needs {', '.join(lacking)}",
            errors=[FieldError(f, f"required for '{action}'") for f in lacking],
        )

    values: dict[str, Any] = {}
    if move.to is not status:
        values["status"] = move.to.value
    note = t.note
    match t:
        case schemas.ClaimIn():
            values |= {"claim_name": t.name, "claim_post": t.post, "claim_unit": t.unit}
            values["claimed_at"] = _signed_at(t.signed_at, state.reported_at) if t.signed_at else repo.NOW
        case schemas.StartIn():
            values |= {"measures": t.measures, "interim_measures": t.interim_measures}
            _check_deadline(t.deadline, state.reported_at)
            values["deadline"] = t.deadline or state.deadline or await _default_deadline(session, state.grade)
        case schemas.RectifyIn():
            values |= {"evidence": t.evidence, "rectified_by": actor, "rectified_at": repo.NOW}
            if t.photos:
                values["evidence_photos"] = await photos.check_evidence(session, hazard_id, t.photos)
        case schemas.CloseIn():
            if t.verifier == state.rectified_by:
                raise invalid(
                    "verifier", f"the verifier must not be {t.verifier}, who marked the hazard rectified"
                )
            # The rectifier is recorded as 显示名（login）, unique by the login: the same user, not
            # just the same name, may not check their own fix.
            if actor == state.rectified_by:
                raise Forbidden(
                    detail=f"{actor} marked the hazard rectified; another verifier must close it out"
                )
            values |= {"verifier": t.verifier, "verification": t.verification, "closed_at": repo.NOW}
        case schemas.RejectIn():
            values["reject_reason"] = t.reason
            note = note or t.reason
        case schemas.DuplicateIn():
            if t.of == hazard_id or t.of is None or not await repo.exists(session, t.of):
                raise invalid("of", f"{t.of} is not another hazard that exists")
            values["duplicate_of"] = t.of
        case schemas.ReopenIn():
            # The next close needs a fresh rectification and a fresh check; the old ones stay in the history.
            values |= dict.fromkeys(
                (
                    "evidence",
                    "evidence_photos",
                    "rectified_by",
                    "rectified_at",
                    "verifier",
                    "verification",
                    "closed_at",
                )
            )
            _check_deadline(t.deadline, state.reported_at)
            values["deadline"] = t.deadline or await _default_deadline(session, state.grade)
            note = note or t.reason
        case schemas.ListIn():
            values |= {
                "supervision_level": t.level,
                "supervision_reason": t.reason,
                "supervised_since": repo.NOW,
            }
            note = note or t.reason
        case schemas.DelistIn():
            values |= dict.fromkeys(("supervision_level", "supervision_reason", "supervised_since"))
    if (
        await repo.apply(
            session, hazard_id, state.version, values, actor=actor, action=action.value, note=note
        )
        != 1
    ):
        raise PreconditionFailed(detail="the hazard changed while this request was being applied")
    await notifications.record_action(
        session,
        action.value,
        hazard_id=hazard_id,
        county_code=state.county_code,
        actor=principal,
        detail=t.level if isinstance(t, schemas.ListIn) else None,
    )
    return await hazards.get_feature(session, kind, hazard_id)


def _signed_at(value: datetime, reported_at: datetime) -> datetime:
    """The claim's signature time: a signature is locked once made (the database refuses to change
    it), so an absurd date (year 1, year 9999) must be refused here, not corrected later."""
    signed = beijing_if_naive(value)
    assert signed is not None
    if signed > datetime.now(UTC) + CLOCK_SKEW:
        raise invalid("signed_at", f"{signed.isoformat()} lies in the future; give when it was signed")
    reported_day = day_of(reported_at)
    if day_of(signed) < reported_day:
        raise invalid(
            "signed_at",
            f"{signed.date()} is before the day the hazard was reported ({reported_day}); check the date",
        )
    return signed


def _check_deadline(deadline: date | None, reported_at: datetime) -> None:
    if deadline is None:
        return
    if not EARLIEST <= deadline <= LATEST:
        raise invalid("deadline", f"must lie between {EARLIEST} and {LATEST}; check the year")
    reported_day = day_of(reported_at)
    if deadline < reported_day:
        raise invalid("deadline", f"must not be before the day the hazard was reported ({reported_day})")


async def _default_deadline(session: AsyncSession, grade: str) -> date:
    return await repo.today_beijing(session) + timedelta(days=deadline_days(grade))


def offered(
    principal: Principal,
    *,
    status: str,
    county_code: str | None,
    supervision_level: str | None,
    rectified_by: str | None,
) -> list[Action]:
    """The actions ``principal`` may take on a hazard in this state: what ``transition`` would accept
    (the workflow table, the role's permission, the county, supervision, not closing one's own fix),
    so that a page offers no button the API would refuse. Pages ask this, never their own rules."""
    found = []
    for action in machine.allowed(Status(status)):
        if not principal.can(ACTION_PERMISSION[action]) or not principal.covers(county_code):
            continue
        if action is Action.list and supervision_level is not None:
            continue
        if action is Action.delist and supervision_level is None:
            continue
        if action is Action.close and principal.actor == rectified_by:
            continue
        found.append(action)
    return found
