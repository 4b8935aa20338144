"""The events users are told about, who receives each (by role and jurisdiction), and their wording.

Pure: no database. A notification names the event, the hazard (by id and ledger number) or the
accident-prone candidate, and for supervision the level, for a deadline the day; never a person's
name or telephone number, so that any channel may carry it.
"""

from __future__ import annotations

from enum import StrEnum

from app.accounts.permissions import Role


class Event(StrEnum):
    created = "created"  # a new hazard in my jurisdiction
    claimed = "claimed"  # 认领
    rectified = "rectified"  # rectified, awaiting my verification (核验)
    listed = "listed"  # 挂牌督办
    delisted = "delisted"  # 摘牌
    due_soon = "due_soon"  # its deadline (or the claim's last day) is within N days: told by a periodic job
    overdue = "overdue"  # 超期: told by a periodic job
    candidate = "candidate"  # a new accident-prone candidate of a detection run (not a hazard yet)

    @property
    def zh(self) -> str:
        return EVENT_ZH[self]

    @property
    def en(self) -> str:
        return EVENT_EN[self]


EVENT_ZH = {
    Event.created: "辖区新增隐患",
    Event.claimed: "隐患已认领",
    Event.rectified: "隐患已整改，待核验",
    Event.listed: "隐患已挂牌督办",
    Event.delisted: "隐患已摘牌",
    Event.due_soon: "隐患整改期限将至",
    Event.overdue: "隐患已超期",
    Event.candidate: "发现事故多发点段候选",
}
EVENT_EN = {
    Event.created: "New hazard in your jurisdiction",
    Event.claimed: "Hazard claimed",
    Event.rectified: "Hazard rectified, awaiting verification",
    Event.listed: "Hazard listed for supervision",
    Event.delisted: "Hazard delisted",
    Event.due_soon: "Hazard deadline approaching",
    Event.overdue: "Hazard overdue",
    Event.candidate: "New accident-prone candidate",
}

# Who hears of each event. City-wide roles (admin, commander) hear of every county; the others only
# of the counties assigned to them. The user who caused the event is never told of it.
RECIPIENTS: dict[Event, frozenset[Role]] = {
    Event.created: frozenset({Role.county_officer}),
    Event.claimed: frozenset({Role.commander}),
    Event.rectified: frozenset({Role.verifier}),
    Event.listed: frozenset({Role.county_officer, Role.verifier}),
    Event.delisted: frozenset({Role.county_officer, Role.verifier}),
    Event.due_soon: frozenset({Role.county_officer}),
    Event.overdue: frozenset({Role.county_officer, Role.commander}),
    Event.candidate: frozenset({Role.county_officer, Role.commander}),
}

# The events told once only, by a periodic job or a detection run rather than by a change.
TOLD_ONCE = frozenset({Event.due_soon, Event.overdue, Event.candidate})
