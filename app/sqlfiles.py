"""Long SQL lives in ``.sql`` files beside the module that runs it (``app/<domain>/sql/``).

A file may hold named markers, ``/*where*/``, ``/*chainage*/``…: places where the code puts a piece
of SQL of its own (a conjunction of fixed filter clauses, an expression, another file). ``render``
fills them, and fails loudly on a marker it was given no piece for or a piece with no marker. The
pieces are SQL text made by the code from its own constants, never from what a user sent: values
are always bound parameters (``:name``). A marker inside a ``--`` comment, a string or another
comment is text, not a marker.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

# A marker; and what may hide one: strings, quoted names, comments (block comments last, so that a
# marker is taken as a marker).
_TOKENS = re.compile(
    r"(?P<marker>/\*(?P<name>[a-z][a-z0-9_]*)\*/)|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/",
    re.DOTALL,
)


class CompositionError(Exception):
    """SQL and the pieces given for its markers do not fit: a bug in the code, never the request's."""


@cache
def load(package: str, name: str) -> str:
    """The text of ``<package>/sql/<name>.sql``, e.g. ``load("app.hazards", "list")``."""
    return (resources.files(package) / "sql" / f"{name}.sql").read_text(encoding="utf-8")


@lru_cache(maxsize=512)
def _parts(sql: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The text around the markers and the markers' names, in order (one more text than names)."""
    texts: list[str] = []
    names: list[str] = []
    start = 0
    for m in _TOKENS.finditer(sql):
        if m.group("marker"):
            texts.append(sql[start : m.start()])
            names.append(m.group("name"))
            start = m.end()
    texts.append(sql[start:])
    return tuple(texts), tuple(names)


def markers(sql: str) -> frozenset[str]:
    """The names of the markers in ``sql``."""
    return frozenset(_parts(sql)[1])


def render(sql: str, /, **pieces: str) -> str:
    """``sql`` with each marker ``/*name*/`` replaced by ``pieces[name]`` (``""`` leaves it empty).

    Raises ``CompositionError`` when a marker has no piece or a piece has no marker."""
    texts, names = _parts(sql)
    left_over = set(names) - pieces.keys()
    if left_over:
        raise CompositionError(f"no SQL given for the marker(s) {_listed(left_over)}")
    unused = pieces.keys() - set(names)
    if unused:
        raise CompositionError(f"no marker {_listed(unused)} in the SQL")
    out = [texts[0]]
    for name, after in zip(names, texts[1:], strict=True):
        out += [pieces[name], after]
    return "".join(out)


def compose(package: str, name: str, /, **pieces: str) -> str:
    """``<package>/sql/<name>.sql`` with its markers filled (see ``render``)."""
    return render(load(package, name), **pieces)


def _listed(names: set[str] | frozenset[str]) -> str:
    return ", ".join(f"/*{n}*/" for n in sorted(names))


def statements(package: str, name: str, /, **pieces: str) -> list[str]:
    """The statements of a script file (separated by ``;`` at a line's end), markers filled:
    asyncpg runs one statement per call."""
    return [s.strip() for s in compose(package, name, **pieces).split(";\n") if s.strip()]


async def run_script(
    db: AsyncSession | AsyncConnection,
    package: str,
    name: str,
    params: dict[str, Any] | None = None,
    /,
    **pieces: str,
) -> None:
    """Run a script file statement by statement; each statement gets only the parameters it names
    (asyncpg refuses the others)."""
    for statement in statements(package, name, **pieces):
        await db.execute(text(statement), _named(statement, params))


async def fetch_rows(
    db: AsyncSession | AsyncConnection,
    package: str,
    name: str,
    params: dict[str, Any] | None = None,
    /,
    **pieces: str,
) -> list[Any]:
    """The rows of a file holding one statement, given only the parameters it names."""
    (statement,) = statements(package, name, **pieces)
    return list((await db.execute(text(statement), _named(statement, params))).all())


def _named(statement: str, params: dict[str, Any] | None) -> dict[str, Any]:
    # asyncpg refuses parameters a statement does not name.
    return {k: v for k, v in (params or {}).items() if re.search(rf":{k}\b", statement)}
