"""The rules of the layout that import-linter cannot say (its contracts are in pyproject.toml):

- SQL lives in repositories (``repository.py``, ``*_repository.py``, a ``repositories`` package, and
  ``provider.py``: the reads a package offers to the others) and in
  ``.sql`` files, which repositories run: anywhere else a string literal that is a SQL statement, a
  ``text(…)`` or an ``exec_driver_sql(…)`` is an error. The table definitions (``models.py``: DDL
  fragments such as a server default), ``app/sqlfiles.py`` and the modules whose subject is the
  database itself (``DATABASE_ADMIN``) are homes of SQL too;
- page rendering lives in ``app/web``: only it imports a templating engine.

Pure (no database): ``make lint`` runs it as ``python -m tests.test_architecture``; pytest runs it too.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"

# A statement at the start of a string (after blanks or an opening parenthesis), in capitals as this
# code base writes SQL.
SQL_START = re.compile(
    r"^[\s(]*(SELECT|INSERT\s+INTO|UPDATE\s+\w+(\s+AS\s+\w+)?\s+SET|DELETE\s+FROM|WITH\s+(RECURSIVE\s+)?\w+"
    r"(\s*\([^)]*\))?\s+AS\s*\(|CREATE|ALTER|DROP|TRUNCATE|COPY|SET\s+LOCAL|LOCK\s+TABLE|EXPLAIN|VALUES)\b"
)
TEMPLATING = ("jinja2", "fastapi.templating", "starlette.templating")


# The cluster, its roles and grants, migrations, backups: SQL is what these modules are about.
DATABASE_ADMIN = frozenset({"cluster.py", "grants.py", "backup.py", "migrate.py"})
SQL_CALLS = frozenset({"text", "exec_driver_sql"})


def is_sql_home(relative: str) -> bool:
    parts = relative.split("/")
    name = parts[-1]
    return (
        name in ("repository.py", "models.py", "provider.py")
        or name.endswith("_repository.py")
        or "repositories" in parts[:-1]
        or relative == "sqlfiles.py"
        or relative in DATABASE_ADMIN
    )


def _called(node: ast.Call) -> str | None:
    """``text`` for SQLAlchemy's ``text(…)`` or ``sa.text(…)`` (not a plot's ``ax.text``), else the name."""
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        if func.attr == "text":
            sqlalchemy = isinstance(func.value, ast.Name) and func.value.id in ("sa", "sqlalchemy")
            return "text" if sqlalchemy else None
        return func.attr
    return None


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _leading_text(node: ast.AST) -> str | None:
    """The literal text a string expression starts with: a constant, an f-string, a concatenation."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        return _leading_text(node.values[0])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _leading_text(node.left)
    return None


def sql_literals(source: str) -> Iterator[int]:
    """The lines where a string literal begins with a SQL statement (docstrings aside), or where SQL is
    run: ``text(…)``, ``exec_driver_sql(…)``."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    inner: set[int] = set()  # the parts of an f-string or a sum, judged by the whole
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr | ast.BinOp):
            inner.update(id(child) for child in ast.walk(node) if child is not node)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called(node) in SQL_CALLS:
            yield node.lineno
        if id(node) in docstrings or id(node) in inner:
            continue
        if isinstance(node, ast.Constant | ast.JoinedStr | ast.BinOp):
            text = _leading_text(node)
            if text is not None and SQL_START.match(text):
                yield node.lineno


def templating_imports(source: str) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            if any(name == t or name.startswith(t + ".") for t in TEMPLATING):
                yield node.lineno, name


def problems() -> list[str]:
    found: list[str] = []
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP).as_posix()
        source = path.read_text(encoding="utf-8")
        if not is_sql_home(relative):
            lines = list(sql_literals(source))
            if lines:
                where = ", ".join(map(str, sorted(set(lines))))
                found.append(f"app/{relative}:{where}: SQL outside a repository (move it into one)")
        if not relative.startswith("web/"):
            for line, name in templating_imports(source):
                found.append(f"app/{relative}:{line}: imports {name}: pages are rendered by app.web alone")
    return found


def test_sql_only_in_repositories_and_rendering_only_in_web() -> None:
    assert problems() == []


def test_the_check_sees_sql() -> None:
    source = (
        'Q = "SELECT 1"\nR = f"""\n  UPDATE hazards SET x = {1}"""\n'
        'S = "WITH a AS (SELECT 1) " + "SELECT *"\n'
    )
    assert sorted(sql_literals(source)) == [1, 2, 4]
    assert list(sql_literals('"""SELECT in a docstring is prose."""\nX = "Select a county"\n')) == []
    assert list(sql_literals('rows = await db.execute(text(load("app.roads", "snap")))\n')) == [1]
    assert list(sql_literals('ax.text(0.5, 0.5, "SELECTED")\n')) == []


if __name__ == "__main__":
    report = problems()
    for line in report:
        print(line)
    verdict = "BROKEN" if report else "KEPT"
    print(f"SQL only in repositories, pages rendered in app/web: {verdict}")
    sys.exit(1 if report else 0)
