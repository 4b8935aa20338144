"""CQL2 filters (OGC API – Features Part 3) as SQL: pygeofilter parses the text or JSON encoding
into its AST, and this module walks the AST into a WHERE clause.

Safety: a property becomes the fixed SQL expression the collection's queryables give it (an
allow-list; an unknown name is refused), every literal a bound parameter with an explicit CAST,
every operator a fixed piece of our SQL. Nothing the client wrote is put into the statement.

Supported: comparisons (=, <>, <, <=, >, >=) between properties and literals of the same type,
LIKE, IN, BETWEEN, IS NULL, AND/OR/NOT, and the spatial functions S_INTERSECTS, S_EQUALS,
S_DISJOINT, S_TOUCHES, S_WITHIN, S_OVERLAPS, S_CROSSES, S_CONTAINS on WKT/GeoJSON/BBOX literals
(in ``filter-crs``, CRS84 by default). Refused with a 400 naming ``filter``: anything else
(functions, arithmetic, temporal and array operators).

Limits (settings ``cql2_max_chars``, ``cql2_max_depth``, ``cql2_max_conditions``): the length is checked
before parsing; the nesting of AND/OR/NOT groups and the number of conditions are counted on the AST
without recursion (a chain ``a OR b OR c`` is one group of three), so the walk into SQL, which does
recurse, never goes deeper than the depth allowed. A parser that runs out of stack on a deeper input
is answered with the same 400.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import lark
import numpy as np
import shapely
import shapely.geometry
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_json
from pygeofilter.parsers.cql2_text import parse as parse_text

from app.ogc import crs as crs_
from app.ogc.queryables import Queryable, Type
from app.settings import get_settings

FIELD = "filter"


class FilterLang(StrEnum):
    text = "cql2-text"
    json = "cql2-json"


def _bad(message: str) -> Exception:
    return crs_.bad(FIELD, message)


def _too_deep(limit: int) -> Exception:
    return _bad(f"nested too deeply: at most {limit} levels of AND/OR/NOT groups are allowed")


def parse(value: str, lang: FilterLang) -> ast.Node:
    """The AST of ``value``; a 400 naming ``filter`` and where it went wrong if it is not CQL2, or
    if it is longer, deeper or has more conditions than the settings allow."""
    settings = get_settings()
    if len(value) > settings.cql2_max_chars:
        raise _bad(f"too long: {len(value)} characters, at most {settings.cql2_max_chars} are allowed")
    try:
        node = _parse(value, lang)
    except RecursionError as exc:
        # json.loads and pygeofilter's JSON walk recurse once per level: far beyond the limit.
        raise _too_deep(settings.cql2_max_depth) from exc
    _check_size(node, settings.cql2_max_depth, settings.cql2_max_conditions)
    return node


def _parse(value: str, lang: FilterLang) -> ast.Node:
    try:
        if lang is FilterLang.json:
            try:
                doc = json.loads(value)
            except json.JSONDecodeError as exc:
                raise _bad(f"not JSON: {exc.msg} at character {exc.pos}") from exc
            return parse_json(doc)
        return parse_text(value)
    except lark.exceptions.UnexpectedInput as exc:
        # The text of a lark error lists every token it would have taken: too long to act on.
        found = getattr(getattr(exc, "token", None), "value", None) or getattr(exc, "char", None)
        what = f" near {found!r}" if found else " (it ended too early)"
        raise _bad(f"not valid CQL2 text: syntax error at column {exc.column}{what}") from exc
    except lark.exceptions.LarkError as exc:
        raise _bad(f"not valid CQL2 text: {str(exc).splitlines()[0][:200]}") from exc
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise _bad(f"not valid {lang.value}: {str(exc)[:200] or type(exc).__name__}") from exc


def _operands(node: ast.And | ast.Or) -> list[Any]:
    """The terms of a chain of one operator, in order: ``a OR (b OR c) OR d`` gives a, b, c, d.
    Without recursion: a parser gives ``a OR b OR …`` as a binary tree as deep as the chain is long."""
    kind = type(node)
    out: list[Any] = []
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if type(item) is kind:
            stack.extend((item.rhs, item.lhs))
        else:
            out.append(item)
    return out


def _children(node: Any) -> list[Any]:
    if isinstance(node, ast.And | ast.Or):
        return _operands(node)
    if isinstance(node, ast.Not):
        return [node.sub_node]
    return []


def _check_size(root: Any, max_depth: int, max_conditions: int) -> None:
    """Refuse a filter nested deeper than ``max_depth`` groups or with more than ``max_conditions``
    conditions (comparisons, LIKE, IN, BETWEEN, IS NULL, spatial functions…). Iterative."""
    conditions = 0
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        children = _children(node)
        if not children:
            conditions += 1
            if conditions > max_conditions:
                raise _bad(f"too many conditions: at most {max_conditions} are allowed")
            continue
        if depth + 1 > max_depth:
            raise _too_deep(max_depth)
        stack.extend((child, depth + 1) for child in children)


_COMPARISON = {
    ast.Equal: "=",
    ast.NotEqual: "<>",
    ast.LessThan: "<",
    ast.LessEqual: "<=",
    ast.GreaterThan: ">",
    ast.GreaterEqual: ">=",
}
_SPATIAL = {
    ast.GeometryIntersects: "ST_Intersects",
    ast.GeometryEquals: "ST_Equals",
    ast.GeometryDisjoint: "ST_Disjoint",
    ast.GeometryTouches: "ST_Touches",
    ast.GeometryWithin: "ST_Within",
    ast.GeometryOverlaps: "ST_Overlaps",
    ast.GeometryCrosses: "ST_Crosses",
    ast.GeometryContains: "ST_Contains",
}
_CAST = {
    Type.string: "text",
    Type.integer: "bigint",
    Type.number: "double precision",
    Type.boolean: "boolean",
    Type.date: "date",
    Type.timestamp: "timestamptz",
}
_NUMERIC = frozenset({Type.integer, Type.number})


def _same_kind(a: Type, b: Type) -> bool:
    return a == b or (a in _NUMERIC and b in _NUMERIC)


@dataclass
class Translation:
    queryables: dict[str, Queryable]
    filter_crs: crs_.OgcCrs
    params: dict[str, Any] = field(default_factory=dict)

    def _bind(self, value: Any, type_: Type) -> str:
        name = f"cql{len(self.params)}"
        self.params[name] = value
        return f"CAST(:{name} AS {_CAST[type_]})"

    def condition(self, node: Any) -> str:
        if isinstance(node, ast.And | ast.Or):
            op = " AND " if isinstance(node, ast.And) else " OR "
            return f"({op.join(self.condition(term) for term in _operands(node))})"
        if isinstance(node, ast.Not):
            return f"(NOT {self.condition(node.sub_node)})"
        if type(node) in _COMPARISON:
            (left, lt), (right, rt) = self.scalar(node.lhs), self.scalar(node.rhs)
            self._check(lt, rt, node)
            return f"({left} {_COMPARISON[type(node)]} {right})"
        if isinstance(node, ast.Like):
            return self._like(node)
        if isinstance(node, ast.In):
            left, lt = self.scalar(node.lhs)
            items = []
            for sub in node.sub_nodes:
                sql, st = self.scalar(sub)
                self._check(lt, st, node)
                items.append(sql)
            return f"({left} {'NOT IN' if node.not_ else 'IN'} ({', '.join(items)}))"
        if isinstance(node, ast.Between):
            (left, lt), (low, wt), (high, ht) = (self.scalar(n) for n in (node.lhs, node.low, node.high))
            if lt not in _NUMERIC or wt not in _NUMERIC or ht not in _NUMERIC:
                raise _bad("BETWEEN compares numbers only")
            return f"({left} {'NOT BETWEEN' if node.not_ else 'BETWEEN'} {low} AND {high})"
        if isinstance(node, ast.IsNull):
            if not isinstance(node.lhs, ast.Attribute):
                raise _bad("IS NULL applies to a property")
            sql = self._property(node.lhs).sql
            return f"({sql} IS {'NOT NULL' if node.not_ else 'NULL'})"
        if type(node) in _SPATIAL:
            return f"{_SPATIAL[type(node)]}({self.geometry(node.lhs)}, {self.geometry(node.rhs)})"
        raise _bad(f"{_describe(node)} is not supported here")

    def _check(self, a: Type, b: Type, node: Any) -> None:
        if Type.geometry in (a, b):
            raise _bad(
                f"{_describe(node)} does not compare geometries; use a spatial function (S_INTERSECTS…)"
            )
        if not _same_kind(a, b):
            raise _bad(f"{_describe(node)} compares a {a.value} with a {b.value}")

    def _like(self, node: ast.Like) -> str:
        left, lt = self.scalar(node.lhs)
        if lt is not Type.string:
            raise _bad(f"LIKE applies to text, not to a {lt.value}")
        if not isinstance(node.pattern, str):
            raise _bad("the pattern of LIKE must be a text literal")
        # CQL2's wildcards are SQL's: % any run, _ one character, \ escapes.
        op = "NOT LIKE" if node.not_ else "LIKE"
        return f"({left} {op} {self._bind(node.pattern, Type.string)} ESCAPE '\\')"

    def _property(self, node: ast.Attribute) -> Queryable:
        q = self.queryables.get(node.name)
        if q is None:
            raise _bad(f"unknown property {node.name!r}; the queryables are {', '.join(self.queryables)}")
        return q

    def scalar(self, node: Any) -> tuple[str, Type]:
        if isinstance(node, ast.Attribute):
            q = self._property(node)
            return q.sql, q.type
        if isinstance(node, bool):
            return self._bind(node, Type.boolean), Type.boolean
        if isinstance(node, int):
            if abs(node) >= 2**63:
                return self._bind(float(node), Type.number), Type.number
            return self._bind(node, Type.integer), Type.integer
        if isinstance(node, float):
            if node != node or abs(node) == float("inf"):
                raise _bad("numbers must be finite")
            return self._bind(node, Type.number), Type.number
        if isinstance(node, str):
            if "\x00" in node:
                raise _bad("text may not contain NUL characters")
            return self._bind(node, Type.string), Type.string
        if isinstance(node, datetime):
            moment = node.replace(tzinfo=UTC) if node.tzinfo is None else node.astimezone(UTC)
            return self._bind(moment, Type.timestamp), Type.timestamp
        if isinstance(node, date):
            return self._bind(node, Type.date), Type.date
        if isinstance(node, values.Geometry | values.Envelope | ast.Function):
            return self.geometry(node), Type.geometry
        raise _bad(f"{_describe(node)} is not supported as a value")

    def geometry(self, node: Any) -> str:
        if isinstance(node, ast.Attribute):
            q = self._property(node)
            if q.type is not Type.geometry:
                raise _bad(f"{node.name!r} is a {q.type.value}, not a geometry")
            return q.sql
        if isinstance(node, values.Geometry):
            try:
                geom = shapely.geometry.shape(node.geometry)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise _bad(f"not a valid geometry: {str(exc)[:200]}") from exc
        elif isinstance(node, values.Envelope):
            # pygeofilter 0.4.0's cql2-json parser fills Envelope(x1, x2, y1, y2) positionally from
            # the bbox array [minx, miny, maxx, maxy]; the test of cql2-json's bbox pins this.
            geom = shapely.box(node.x1, node.x2, node.y1, node.y2)
        elif isinstance(node, ast.Function) and node.name.lower() == "bbox":
            args = node.arguments
            if len(args) not in (4, 6) or not all(isinstance(a, int | float) for a in args):
                raise _bad("BBOX takes four numbers (or six, in three dimensions)")
            half = len(args) // 2
            geom = shapely.box(args[0], args[1], args[half], args[half + 1])
        else:
            raise _bad(f"{_describe(node)} is not a geometry")
        if geom.is_empty or not bool(np.isfinite(shapely.get_coordinates(geom)).all()):
            raise _bad("the geometry is empty or has coordinates that are not finite numbers")
        stored = crs_.to_storage(geom, self.filter_crs)
        name = f"cql{len(self.params)}"
        self.params[name] = shapely.to_wkb(stored)
        return f"ST_GeomFromWKB(CAST(:{name} AS bytea), 4326)"


def _describe(node: Any) -> str:
    if isinstance(node, ast.Node):
        op = getattr(node, "op", None)
        name = getattr(op, "value", None) or type(node).__name__
        if isinstance(node, ast.Function):
            name = f"the function {node.name}"
        return str(name).upper() if isinstance(op, object) and op is not None else str(name)
    return type(node).__name__


def where(
    value: str, lang: FilterLang, queryables: dict[str, Queryable], filter_crs: crs_.OgcCrs
) -> tuple[str, dict[str, Any]]:
    """The filter as one SQL condition and its bound values."""
    t = Translation(queryables, filter_crs)
    return t.condition(parse(value, lang)), t.params
