"""A hazard's lifecycle, the ledger workflow as one table: (state, action) → next state and the
fields the move needs.

Pure data and pure functions: no database, no HTTP. The service asks ``move`` and applies it;
the tests walk every pair of the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.vocab import Labelled, Status


class Action(Labelled):
    claim = ("claim", "签字认领", "claim and sign")
    start = ("start", "开始整改", "start rectification")
    rectify = ("rectify", "整改完成", "mark rectified")
    close = ("close", "核验销号", "verify and close")
    reject = ("reject", "不予认定", "reject")
    duplicate = ("duplicate", "合并重复", "merge as duplicate")
    reopen = ("reopen", "重新整改", "reopen")
    list = ("list", "挂牌督办", "list for supervision")
    delist = ("delist", "摘牌", "delist")


@dataclass(frozen=True)
class Move:
    to: Status  # the same state for list/delist: supervision runs beside the workflow
    required: tuple[str, ...]


_OPEN = (Status.reported, Status.claimed, Status.rectifying, Status.rectified)

TABLE: dict[tuple[Status, Action], Move] = {
    (Status.reported, Action.claim): Move(Status.claimed, ("name", "post", "unit")),
    (Status.claimed, Action.start): Move(Status.rectifying, ("measures", "interim_measures")),
    (Status.rectifying, Action.rectify): Move(Status.rectified, ("evidence",)),
    (Status.rectified, Action.close): Move(Status.closed, ("verifier", "verification")),
    (Status.reported, Action.reject): Move(Status.rejected, ("reason",)),
    (Status.claimed, Action.reject): Move(Status.rejected, ("reason",)),
    (Status.reported, Action.duplicate): Move(Status.duplicate, ("of",)),
    (Status.claimed, Action.duplicate): Move(Status.duplicate, ("of",)),
    (Status.closed, Action.reopen): Move(Status.rectifying, ("reason",)),
    **{(s, Action.list): Move(s, ("level", "reason")) for s in _OPEN},
    # 摘牌 only after the fix has passed its check, i.e. once closed.
    (Status.closed, Action.delist): Move(Status.closed, ()),
}


def allowed(state: Status) -> list[Action]:
    return [a for a in Action if (state, a) in TABLE]


class Refused(Exception):
    """The table has no such move; the message says what is allowed instead."""


def refusal(state: Status, action: Action) -> str:
    can = allowed(state)
    if not can:
        return f"'{action}' is not allowed: a hazard in state '{state}' is final and allows no action"
    if action is Action.delist:
        return (
            f"'delist' is not allowed from state '{state}': a hazard is delisted only once closed; "
            f"allowed from '{state}': {', '.join(can)}"
        )
    return f"'{action}' is not allowed from state '{state}'; allowed from '{state}': {', '.join(can)}"


def move(state: Status, action: Action) -> Move:
    found = TABLE.get((state, action))
    if found is None:
        raise Refused(refusal(state, action))
    return found


def missing(action_move: Move, given: dict[str, object]) -> list[str]:
    """Required fields absent or blank, in the table's order."""
    return [
        f
        for f in action_move.required
        if given.get(f) is None or (isinstance(given[f], str) and not given[f])
    ]
