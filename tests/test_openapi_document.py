"""What app/openapi.py adds to every route, and the Allow header of a 405 (no database needed)."""

from __future__ import annotations

from typing import Any

import httpx

from app.main import create_app
from app.problems import PROBLEM_JSON

DOCUMENT: dict[str, Any] = create_app().openapi()


def op(path: str, method: str) -> dict[str, Any]:
    return DOCUMENT["paths"][path][method]


def test_if_match_is_required_where_it_is_asked_for() -> None:
    for path, method in [
        ("/api/v1/hazards/{id}", "patch"),
        ("/api/v1/hazards/{id}", "delete"),
        ("/api/v1/segments/{id}/transitions", "post"),
    ]:
        operation = op(path, method)
        (if_match,) = [p for p in operation["parameters"] if p["name"].lower() == "if-match"]
        assert if_match["required"] is True
        assert if_match["schema"]["type"] == "string"
        assert {"400", "412", "428"} <= set(operation["responses"])


def test_guarded_routes_document_their_security_and_refusals() -> None:
    operation = op("/api/v1/hazards", "get")
    assert operation["security"] == [{"bearer": []}, {"apiKey": []}, {"session": []}]
    assert {"401", "403", "422", "503"} <= set(operation["responses"])
    assert set(DOCUMENT["components"]["securitySchemes"]) == {"bearer", "apiKey", "session"}
    # The OGC landing page is open: no security, no 401.
    assert "security" not in op("/ogc", "get")
    assert "401" not in op("/ogc", "get")["responses"]


def test_every_problem_is_problem_json() -> None:
    for path, methods in DOCUMENT["paths"].items():
        for method, operation in methods.items():
            for code, response in operation["responses"].items():
                if code.isdigit() and int(code) >= 400 and path != "/healthz":
                    assert list(response["content"]) == [PROBLEM_JSON], (method, path, code)
    assert "HTTPValidationError" not in DOCUMENT["components"].get("schemas", {})


def test_alternative_media_types_replace_json() -> None:
    assert list(op("/api/v1/roads/snap", "get")["responses"]["200"]["content"]) == ["application/geo+json"]
    ledger = op("/api/v1/ledger", "get")["responses"]["200"]["content"]
    assert set(ledger) == {
        "application/json",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    assert list(op("/tiles/{layer}/{z}/{x}/{y}.mvt", "get")["responses"]["200"]["content"]) == [
        "application/vnd.mapbox-vector-tile"
    ]


def test_rules_beyond_the_schema_are_stated() -> None:
    rules = op("/api/v1/roads/snap", "get")["x-rules"]
    assert set(rules) == {"lon", "lat"}
    assert "bbox" in op("/api/v1/hazards", "get")["x-rules"]
    # Moved from the parameter's schema (where generators would meet an unknown keyword) to the operation.
    assert all("x-rules" not in p["schema"] for p in op("/api/v1/hazards", "get")["parameters"])


async def test_405_allows_the_methods_of_every_route_at_the_path() -> None:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        response = await c.put("/api/v1/hazards/1")
        assert response.status_code == 405
        assert response.headers["allow"] == "DELETE, GET, PATCH"
        assert response.headers["content-type"] == PROBLEM_JSON
        response = await c.request("OPTIONS", "/api/v1/categories")
        assert response.headers["allow"] == "GET, POST"
