"""Settings of the read replicas (``HAZARDMAP_DATABASE_REPLICA_URLS`` and its companions)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ReplicaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAZARDMAP_", env_file=".env", extra="ignore")

    # Hot standbys of the primary (postgres:// URLs as the service's role), separated by commas or
    # spaces, or a JSON list. Empty: every read goes to the primary.
    database_replica_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # After a client's write (any POST, PUT, PATCH or DELETE answered below 400), its reads go to the
    # primary for this long: longer than the replicas ever lag behind (seconds).
    read_your_writes_s: float = Field(default=10.0, gt=0, le=3600)
    # How often a web process asks each replica how far it lags (seconds). A replica further behind
    # than the read-your-writes window less this interval is not read until it has caught up, so a
    # client reading after the window always finds its write.
    replica_lag_check_s: float = Field(default=1.0, gt=0, le=60)
    # A replica that could not be reached is left out for this long, then tried again (seconds).
    replica_retry_s: float = Field(default=10.0, gt=0)
    # How long a connection to a replica may take before the read goes elsewhere (seconds).
    replica_connect_timeout_s: float = Field(default=2.0, gt=0, le=60)

    @field_validator("database_replica_urls", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part for part in text.replace(",", " ").split() if part]
        return value

    @field_validator("database_replica_urls")
    @classmethod
    def _postgres(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not url.startswith(("postgres://", "postgresql://", "postgresql+asyncpg://")):
                raise ValueError(f"a replica URL must be a postgres:// URL, not {url.split('@')[-1]!r}")
        return urls


@lru_cache
def get_replica_settings() -> ReplicaSettings:
    return ReplicaSettings()
