"""Pieces of the OpenAPI document that FastAPI cannot infer from our handlers.

Bodies are read by ``app.http.read_json_body`` (to refuse them cleanly), so FastAPI does not see
their models; the routes describe them with ``openapi_extra`` and the schemas made here. The
schemas are inlined because a ``$ref`` would point into a components section FastAPI does not
know to fill.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import BaseModel, Field

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
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


def request_body(model: type[BaseModel], media_types: tuple[str, ...], example: Any) -> dict[str, Any]:
    schema = inline_schema(model)
    return {
        "requestBody": {
            "required": True,
            "content": {t: {"schema": schema, "example": example} for t in media_types},
        }
    }


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
