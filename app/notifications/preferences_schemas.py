from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from app.notifications.events import Event


class EventChoice(BaseModel):
    event: Event
    title: str = Field(description="The event in the requested language (zh-CN unless lang=en)")
    inapp: bool = Field(description="In the notification centre (the bell)")
    email: bool = Field(description="By e-mail at once (needs an address and the server's SMTP)")
    digest: bool = Field(description="In the daily digest e-mail")


class Preferences(BaseModel):
    email: str | None = Field(description="Where e-mails go; null: none (no e-mail at all)")
    email_available: bool = Field(description="Whether the service sends e-mail (an SMTP server is set)")
    digest_at: str = Field(description="When the daily digest goes out, Beijing time (HH:MM)")
    events: list[EventChoice]


class EventChoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event: Event
    inapp: StrictBool | None = None
    email: StrictBool | None = None
    digest: StrictBool | None = None


class PreferencesIn(BaseModel):
    """Only what is given changes: an event left out, or a channel left out of an event, keeps its
    choice; ``email`` left out keeps the address, null or "" removes it."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=254, examples=["zhangsan@jj.example.cn"])
    events: list[EventChoiceIn] = Field(default_factory=list, max_length=64)
