"""Typed settings, read from the environment (prefix ``HAZARDMAP_``) or a ``.env`` file.

``DATABASE_URL`` (without the prefix) is honoured too, because that is the name every
PaaS, compose file and managed PostgreSQL hands out.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAZARDMAP_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"

    # Empty means: use the embedded cluster managed by `hazardmap db up`.
    database_url: str = Field(
        default="",
        validation_alias=AliasChoices("HAZARDMAP_DATABASE_URL", "DATABASE_URL"),
    )
    db_pool_size: int = 10
    db_max_overflow: int = 10

    # Embedded cluster (development and tests only).
    cluster_dir: Path = PROJECT_ROOT / "var" / "pg"
    cluster_port: int = 54329
    cluster_database: str = "hazardmap"
    cluster_os_user: str = "postgres"

    # The city the service is for; points outside its outline are refused.
    city_code: str = "371500"
    # Tolerance around the city outline, in metres, for pins on the border.
    city_border_tolerance_m: float = 200.0

    # API limits.
    page_limit_default: int = 100
    page_limit_max: int = 10_000
    max_body_bytes: int = 1_048_576

    # Public base URL for links in responses; empty means taken from the request.
    public_url: str = ""

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return _async_url(self.database_url)
        return (
            f"postgresql+asyncpg://{self.cluster_os_user}@127.0.0.1:{self.cluster_port}/"
            f"{self.cluster_database}"
        )


def _async_url(url: str) -> str:
    """Accept the URL spellings people paste (postgres://, postgresql://) and use asyncpg."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
