from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.notifications.events import Event

Format = Literal["json", "wecom", "dingtalk"]
# http or https, a host (no user or password before it), an optional port, path and query.
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?([/?][^\s]*)?$"
COUNTY_PATTERN = r"^[0-9]{6}$"
# A name neither begins nor ends with white space (nor is only that).
NAME_PATTERN = r"^\S(.*\S)?$"
County = Annotated[str, Field(pattern=COUNTY_PATTERN)]


class SubscriptionIn(BaseModel):
    """A new webhook: where, in which format, which events of which counties (none: every county)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=NAME_PATTERN, examples=["指挥中心钉钉群"])
    url: str = Field(
        max_length=2000,
        pattern=URL_PATTERN,
        examples=["https://oapi.dingtalk.com/robot/send?access_token=…"],
        description="http(s) only; a robot's URL with its key or access token",
    )
    secret: str | None = Field(
        default=None,
        min_length=8,
        max_length=256,
        description="json: the HMAC-SHA256 key (required); dingtalk: the robot's 加签 secret (optional);"
        " wecom: none. Written only: never shown again",
    )
    format: Format = "json"
    events: list[Event] = Field(min_length=1, max_length=32)
    counties: list[County] = Field(
        default_factory=list,
        max_length=64,
        description="Counties (6-digit codes) whose events it takes; none: all",
    )
    enabled: bool = True


class SubscriptionPatch(BaseModel):
    """Changes to a webhook; ``secret: null`` removes the secret, an absent one keeps it."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=64, pattern=NAME_PATTERN)
    url: str | None = Field(default=None, max_length=2000, pattern=URL_PATTERN)
    secret: str | None = Field(default=None, min_length=8, max_length=256)
    format: Format | None = None
    events: list[Event] | None = Field(default=None, min_length=1, max_length=32)
    counties: list[County] | None = Field(default=None, max_length=64)
    enabled: bool | None = None


class SubscriptionOut(BaseModel):
    id: int
    name: str
    url: str = Field(description="The values of its query (a robot's key or token) shown as ***")
    has_secret: bool
    format: Format
    events: list[str]
    counties: list[str]
    enabled: bool
    created_at: datetime
    updated_at: datetime


class DeliveryOut(BaseModel):
    id: int
    subscription_id: int
    subscription: str
    event: str = Field(description="An event, or test for a test message")
    ledger_no: str | None
    county_code: str | None
    state: Literal["pending", "retrying", "delivered", "failed"]
    attempts: int
    last_status: int | None = Field(description="The receiver's last HTTP status")
    last_error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
