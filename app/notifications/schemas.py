from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class NotificationOut(BaseModel):
    id: int
    event: str = Field(description="created, claimed, rectified, listed or delisted")
    title: str = Field(description="What happened, in the requested language (zh-CN unless lang=en)")
    hazard_id: int | None
    ledger_no: str | None = Field(description="隐患编号 of the hazard")
    detail: str | None = Field(description="The supervision level of a listing (city / county)")
    url: str | None = Field(description="The hazard's record page")
    created_at: datetime
    read: bool


class NotificationList(BaseModel):
    unread: int
    items: list[NotificationOut]


class UnreadCount(BaseModel):
    unread: int


class MarkedRead(BaseModel):
    marked: int
