from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class NotificationOut(BaseModel):
    id: int
    event: str = Field(
        description="created, claimed, rectified, listed, delisted, due_soon, overdue or candidate"
    )
    title: str = Field(description="What happened, in the requested language (zh-CN unless lang=en)")
    hazard_id: int | None
    ledger_no: str | None = Field(description="隐患编号 of the hazard")
    category: str | None = Field(description="The hazard's category, in the requested language")
    detail: str | None = Field(
        description="The supervision level of a listing (city / county);"
        " the day a deadline falls (due_soon, overdue)"
    )
    url: str | None = Field(
        description="The hazard's record page; for a candidate, its county's map with the candidates shown"
    )
    candidate_id: int | None = Field(
        description="The accident-prone candidate (event candidate);"
        " null once a later detection run replaced it"
    )
    county_code: str | None
    created_at: datetime
    read: bool


class NotificationList(BaseModel):
    unread: int
    items: list[NotificationOut]


class UnreadCount(BaseModel):
    unread: int


class MarkedRead(BaseModel):
    marked: int
