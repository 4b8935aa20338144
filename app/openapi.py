"""Pieces of the OpenAPI document that FastAPI cannot infer from our handlers.

Bodies are read by ``app.http.read_json_body`` (to refuse them cleanly), so FastAPI does not see
their models; the routes describe them with ``openapi_extra`` and the schemas made here. The
schemas are inlined because a ``$ref`` would point into a components section FastAPI does not
know to fill.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field

from app.db import get_session
from app.problems import PROBLEM_JSON


class ProblemField(BaseModel):
    field: str = Field(examples=["properties.category"], description="A dotted path into the request.")
    message: str


class Problem(BaseModel):
    """application/problem+json (RFC 9457), with the fields at fault in ``errors``."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ProblemField] | None = None


def inline_schema(model: type[BaseModel], mode: Literal["validation", "serialization"] = "validation") -> Any:
    """The model's JSON schema with every ``$ref`` to its ``$defs`` replaced by the definition."""
    schema = model.model_json_schema(ref_template="#/$defs/{model}", mode=mode)
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(copy.deepcopy(defs[ref.removeprefix("#/$defs/")]))
            if isinstance(node.get("discriminator"), dict):
                # A discriminated union: its members are inlined, so the mapping to $defs goes; each
                # member's `const` says which value of the property it takes.
                node = {**node, "discriminator": {"propertyName": node["discriminator"]["propertyName"]}}
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


def request_body(
    model: type[BaseModel],
    media_types: tuple[str, ...],
    example: Any,
    rules: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``openapi_extra=`` of a route reading its body itself; ``rules``: see ``rules()``."""
    schema = inline_schema(model)
    extra: dict[str, Any] = {
        "requestBody": {
            "required": True,
            "content": {t: {"schema": schema, "example": example} for t in media_types},
        }
    }
    if rules:
        extra["x-rules"] = rules
    return extra


_PROBLEM_SCHEMA = inline_schema(Problem)
_DESCRIPTIONS = {
    400: "The body is not JSON, or a header is malformed.",
    404: "No such resource.",
    409: "Conflict with what exists (e.g. a uid reused with other content).",
    410: "Deleted; the history stays readable.",
    412: "If-Match names an old version: someone changed it meanwhile; nothing was written.",
    413: "The body is too large.",
    415: "The body's media type is not accepted.",
    422: "A value is invalid; `errors` names each field as a dotted path.",
    428: "If-Match is required for this change.",
    429: "Too many failed logins: wait the seconds in `Retry-After`.",
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for the problems a route can answer."""
    return {
        code: {
            "description": _DESCRIPTIONS.get(code, "A problem."),
            "content": {PROBLEM_JSON: {"schema": _PROBLEM_SCHEMA}},
        }
        for code in codes
    }


# -- the document made exact, centrally ------------------------------------------------------------
# Every route inherits these from what it is (its dependencies, parameters, body), so that an endpoint
# added later is described truthfully without repeating the standard problems on each route.
SECURITY_SCHEMES: dict[str, Any] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from `POST /api/v1/auth/token`, or an API key (`hm_…`) as a bearer token.",
    },
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "An API key (`hm_…`)."},
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "hazardmap_session",
        "description": "The browser's session (from `/login`); writes also need the `X-CSRF-Token` header.",
    },
}
_DESCRIPTIONS.update(
    {
        401: "No credentials, or unknown, expired or revoked ones (`WWW-Authenticate: Bearer`).",
        403: "The role lacks the permission, or the county is outside the user's jurisdictions.",
        503: "The database is unavailable; retry later.",
        404: "No such resource (an id or code that names nothing).",
    }
)
_BODY_PROBLEMS = (400, 413, 415)
# If-Match / If-None-Match (RFC 9110 8.8.3): * or a list of entity tags, each quoted, maybe weak.
ENTITY_TAGS = r'^(\*|(W/)?"[!#-~]*"( ?, ?(W/)?"[!#-~]*")*)$'
D = TypeVar("D")
_GUARDED = "openapi_guarded"  # attribute of a dependency that authenticates the request
_OPEN_PATHS = "openapi_open_paths"  # attribute of such a dependency: paths it lets through unauthenticated
_DATABASE = "openapi_database"  # attribute of a dependency that reads the database (503 when it is down)


def guarded(dependency: D, open_paths: frozenset[str] = frozenset()) -> D:
    """Mark a dependency as authenticating the request: its routes document 401/403 and the security."""
    setattr(dependency, _GUARDED, True)
    setattr(dependency, _OPEN_PATHS, open_paths)
    return dependency


def database(dependency: Any) -> Any:
    """Mark a dependency as using the database: its routes document 503."""
    setattr(dependency, _DATABASE, True)
    return dependency


_ONLY = "x-only-these-media-types"


RULES = "x-rules"


def rule(text: str) -> dict[str, Any]:
    """``json_schema_extra=`` of a parameter whose value must also satisfy what no schema can say (a
    code the database must know, a point inside the city, min ≤ max): the document states it, under
    ``x-rules`` of the operation, and a value breaking it is a 422 naming the parameter."""
    return {RULES: text}


# Filter codes kept in the database: well-formed but unknown is a 422 naming the code.
KNOWN_CODES = rule("Each code must name one the service knows (unknown ones are refused, listed).")


# Codes matched as given (an unknown one matches nothing); PostgreSQL text holds no NUL.
NO_NUL = rule("No NUL character (U+0000).")


def rules(**by_field: str) -> dict[str, Any]:
    """``openapi_extra=`` of a route whose fields must satisfy rules across fields or beyond the schema,
    by the field's dotted path as problems name it (``duplicate_of``, ``properties.category``)."""
    return {RULES: by_field}


def not_null(*names: str) -> Callable[[dict[str, Any]], None]:
    """``json_schema_extra=`` of a PATCH body whose members ``names`` may be left out (kept as they are)
    but not sent as null: the document says so, instead of pydantic's ``anyOf: [..., null]`` for an
    optional member, and the service refuses a null with a 422 naming the member."""

    def strip(schema: dict[str, Any]) -> None:
        for name in names:
            member = schema["properties"][name]
            choices = [c for c in member.pop("anyOf") if c != {"type": "null"}]
            if len(choices) == 1:
                member.update(choices[0])
            else:
                member["anyOf"] = choices
            member.pop("default", None)

    return strip


def one_or_more(values: list[str] | tuple[str, ...]) -> str:
    """The pattern of a value listing one or more of ``values``, separated by commas."""
    choice = "|".join(values)
    return f"^({choice})(,({choice}))*$"


def listing(values: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """``json_schema_extra=`` of a repeatable parameter whose values list codes of ``values`` (comma-separated
    too): stated in the document; the route refuses others itself, naming them."""
    return {"items": {"type": "string", "pattern": one_or_more(values)}}


def media(
    *media_types: str, description: str = "The resource.", status: int = 200
) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entry for an answer in these media types and no other (GeoJSON, CSV, XLSX, MVT…):
    the route's default ``application/json`` is dropped from the document unless listed."""
    content = {t: {"schema": _schema_of(t)} for t in media_types}
    return {status: {"description": description, "content": content, _ONLY: list(media_types)}}


def _schema_of(media_type: str) -> dict[str, Any]:
    if "json" in media_type:
        return {}
    if media_type.startswith("text/"):
        return {"type": "string"}
    return {"type": "string", "format": "binary"}


def _calls(dependant: Any) -> list[Any]:
    found: list[Any] = []
    stack = list(dependant.dependencies)
    while stack:
        dep = stack.pop()
        if dep.call is not None:
            found.append(dep.call)
        stack.extend(dep.dependencies)
    return found


def _problem(code: int) -> dict[str, Any]:
    return problems(code)[code]


def complete(app: Any, document: dict[str, Any]) -> dict[str, Any]:
    """Add what every route inherits: security and 401/403 where a dependency authenticates, 503 where
    the database is read, 422 where there is input, 400/413/415 where there is a body, If-Match made
    required with 412/428 where it is asked for, and every problem as application/problem+json."""
    from fastapi.routing import APIRoute, iter_route_contexts

    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        calls = _calls(route.dependant)
        guards = [c for c in calls if getattr(c, _GUARDED, False)]
        is_guarded = any(route.path_format not in getattr(g, _OPEN_PATHS, ()) for g in guards)
        uses_database = is_guarded or any(c is get_session or getattr(c, _DATABASE, False) for c in calls)
        for method in route.methods or ():
            operation = document["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            _complete_operation(operation, is_guarded, uses_database)
            _gather_rules(operation, components.get("schemas", {}))
    for schema in _form_bodies(document):
        _no_null_in_forms(schema if "$ref" not in schema else _component(components, schema["$ref"]))
    for name in ("HTTPValidationError", "ValidationError"):
        components.get("schemas", {}).pop(name, None)
    return document


def _complete_operation(operation: dict[str, Any], is_guarded: bool, uses_database: bool) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    codes: set[int] = set()
    parameters = operation.get("parameters", [])
    if is_guarded:
        operation.setdefault("security", [{"bearer": []}, {"apiKey": []}, {"session": []}])
        codes |= {401, 403}
    if uses_database:
        codes.add(503)
    if parameters or "requestBody" in operation:
        codes.add(422)
    if any(p["in"] == "path" for p in parameters):
        codes.add(404)
    if "requestBody" in operation:
        codes |= set(_BODY_PROBLEMS)
    for parameter in parameters:
        if parameter["in"] == "header" and parameter["name"].lower() == "if-match":
            parameter["required"] = True
            parameter["description"] = 'The ETag of the version the change was made from, e.g. "3".'
            parameter["schema"] = {"type": "string", "pattern": ENTITY_TAGS, "examples": ['"3"']}
            codes |= {400, 412, 428}
    for added in codes:
        responses.setdefault(str(added), _problem(added))
    for code, response in list(responses.items()):
        # A fresh dict each: the route's own may be shared with other routes.
        response = {k: v for k, v in response.items() if k != _ONLY}
        only = responses[code].get(_ONLY)
        if only is not None:
            response["content"] = {t: c for t, c in response.get("content", {}).items() if t in only}
        if code.isdigit() and int(code) >= 400 and _is_default_error(response):
            response["content"] = {PROBLEM_JSON: {"schema": _PROBLEM_SCHEMA}}
        responses[code] = response


def _form_bodies(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        media_type["schema"]
        for path in document["paths"].values()
        for operation in path.values()
        for name, media_type in operation.get("requestBody", {}).get("content", {}).items()
        if name in ("multipart/form-data", "application/x-www-form-urlencoded") and "schema" in media_type
    ]


def _component(components: dict[str, Any], ref: str) -> dict[str, Any]:
    found: dict[str, Any] = components.get("schemas", {}).get(ref.rsplit("/", 1)[1], {})
    return found


def _no_null_in_forms(schema: dict[str, Any]) -> None:
    """A form has no null: an optional field is one left out (FastAPI writes ``anyOf: [..., null]``),
    or sent empty, which FastAPI reads as left out."""
    required = set(schema.get("required", []))
    for name, member in schema.get("properties", {}).items():
        choices = member.pop("anyOf", None)
        if isinstance(choices, list):
            rest = [c for c in choices if c != {"type": "null"}]
            if len(rest) == 1:
                member.update(rest[0])
            else:
                member["anyOf"] = rest
        if name in required or member.get("format") == "binary" or "contentMediaType" in member:
            continue
        shape = {k: member.pop(k) for k in list(member) if k not in ("title", "description", "default")}
        member["anyOf"] = [shape, {"type": "string", "maxLength": 0}]


def _gather_rules(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """The rules (``rule``) of the parameters and of the body's members, beside the route's own
    (``rules``), at the operation."""
    found: dict[str, str] = dict(operation.get(RULES, {}))
    for content in operation.get("requestBody", {}).get("content", {}).values():
        body = content.get("schema", {})
        ref = body.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            body = schemas.get(ref.rsplit("/", 1)[1], {})
        for name, member in body.get("properties", {}).items():
            text = member.pop(RULES, None) if isinstance(member, dict) else None
            if text:
                found[name] = text
    for parameter in operation.get("parameters", []):
        text = parameter.get("schema", {}).pop(RULES, None)
        if text:
            found[parameter["name"]] = text
            parameter["description"] = f"{parameter.get('description', '')} {text}".strip()
    if found:
        operation[RULES] = found


def _is_default_error(response: dict[str, Any]) -> bool:
    """No content of its own, or FastAPI's validation error (we answer problem+json instead)."""
    content = response.get("content")
    if not content:
        return True
    return list(content) == ["application/json"] and "HTTPValidationError" in str(content)


def install(app: Any) -> None:
    """Serve the completed document as /openapi.json (built once, on first request)."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = complete(app, document)
        return app.openapi_schema

    app.openapi = openapi
