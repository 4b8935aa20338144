"""Settings of notifications by e-mail (``HAZARDMAP_SMTP_*``) and of the daily digest."""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class MailSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAZARDMAP_", env_file=".env", extra="ignore")

    # The SMTP server that sends for the service; empty: no e-mail at all (the bell still works).
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    # STARTTLS after connecting (port 587); false for a relay on the local network that offers none.
    smtp_starttls: bool = True
    # The sender, e.g. "隐患台账 <hazardmap@jj.lc.gov.cn>"; required when smtp_host is set.
    smtp_from: str = ""
    smtp_timeout_s: float = Field(default=30.0, gt=0, le=300)
    # When the daily digest goes out, Beijing time (HH:MM). Read when a worker starts.
    digest_at: str = "08:00"

    @field_validator("digest_at")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError("a time of day HH:MM (Beijing time), e.g. 08:00")
        return value

    @model_validator(mode="after")
    def _sender(self) -> MailSettings:
        if self.smtp_host and not self.smtp_from:
            raise ValueError("HAZARDMAP_SMTP_FROM: the sender's address is needed with HAZARDMAP_SMTP_HOST")
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def digest_time(self) -> tuple[int, int]:
        hour, minute = self.digest_at.split(":")
        return int(hour), int(minute)


@lru_cache
def get_mail_settings() -> MailSettings:
    return MailSettings()
