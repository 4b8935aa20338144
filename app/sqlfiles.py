"""Long SQL lives in ``.sql`` files beside the module that runs it (``app/<domain>/sql/``)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load(package: str, name: str) -> str:
    """The text of ``<package>/sql/<name>.sql``, e.g. ``load("app.hazards", "list")``."""
    return (resources.files(package) / "sql" / f"{name}.sql").read_text(encoding="utf-8")
