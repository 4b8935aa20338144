"""Settings of webhook delivery (``HAZARDMAP_WEBHOOKS_*``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebhookSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAZARDMAP_WEBHOOKS_", env_file=".env", extra="ignore")

    # One attempt's limit (connect, send, answer), in seconds: a receiver never holds a worker longer.
    timeout_s: float = Field(default=10.0, gt=0, le=60)
    # Attempts of one delivery (the first and its retries, 3 s, 9 s, 27 s … apart) before it is given up.
    attempts: int = Field(default=6, ge=1, le=12)


@lru_cache
def get_webhook_settings() -> WebhookSettings:
    return WebhookSettings()
