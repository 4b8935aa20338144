"""The events users are told about, who receives each (by role and jurisdiction), and their wording.

Pure: no database. A notification names the event, the hazard (by id and ledger number) and, for
supervision, the level; never a person's name or telephone number, so that any channel may carry it.
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
}
EVENT_EN = {
    Event.created: "New hazard in your jurisdiction",
    Event.claimed: "Hazard claimed",
    Event.rectified: "Hazard rectified, awaiting verification",
    Event.listed: "Hazard listed for supervision",
    Event.delisted: "Hazard delisted",
}

# Who hears of each event. City-wide roles (admin, commander) hear of every county; the others only
# of the counties assigned to them. The user who caused the event is never told of it.
RECIPIENTS: dict[Event, frozenset[Role]] = {
    Event.created: frozenset({Role.county_officer}),
    Event.claimed: frozenset({Role.commander}),
    Event.rectified: frozenset({Role.verifier}),
    Event.listed: frozenset({Role.county_officer, Role.verifier}),
    Event.delisted: frozenset({Role.county_officer, Role.verifier}),
}
