"""The README's configuration table names every setting the service reads."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

from pydantic import AliasChoices
from pydantic_settings import BaseSettings

import app

README = Path(__file__).resolve().parent.parent / "README.md"


def _settings_classes() -> list[type[BaseSettings]]:
    # Settings classes live beside the code that reads them; importing every module finds them all.
    for module in pkgutil.walk_packages(app.__path__, "app."):
        importlib.import_module(module.name)
    found: list[type[BaseSettings]] = []
    todo = list(BaseSettings.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("app."):
            found.append(cls)
    return found


def _variables(cls: type[BaseSettings]) -> list[str]:
    prefix = str(cls.model_config.get("env_prefix", ""))
    names = []
    for name, field in cls.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.append(str(alias.choices[0]))
        else:
            names.append((prefix + name).upper())
    return names


def test_every_setting_is_in_the_readme_table() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Configuration") :]
    section = section[: section.index("\n## ", 1)]
    listed = set(re.findall(r"`(HAZARDMAP_[A-Z0-9_]+)`", section))
    classes = _settings_classes()
    assert {c.__name__ for c in classes} >= {"Settings", "MapSettings"}
    missing = sorted({v for c in classes for v in _variables(c)} - listed)
    assert missing == []
