"""Run Alembic from code (the CLI, the tests), against any database URL."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from geoalchemy2 import alembic_helpers

from app.settings import PROJECT_ROOT


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["configure_logging"] = False
    if url:
        cfg.attributes["url"] = url
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


# Tables that PostGIS (and its extensions) own; they must not show up as drift.
POSTGIS_TABLES = {"spatial_ref_sys", "topology", "layer", "geocode_settings", "us_gaz", "us_lex", "us_rules"}


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """What autogenerate compares: our tables, not PostGIS's; spatial indexes the geoalchemy2 way."""
    if type_ == "table" and name in POSTGIS_TABLES:
        return False
    if type_ == "table" and name is not None and name.startswith("procrastinate_"):
        return False  # the job queue's tables: procrastinate's schema, not our models
    return bool(alembic_helpers.include_object(obj, name, type_, reflected, compare_to))
