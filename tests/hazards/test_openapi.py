"""The OpenAPI document shows the GeoJSON shapes, the request bodies and the query parameters."""

from __future__ import annotations

import httpx


async def test_openapi(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    schemas = spec["components"]["schemas"]

    listing = paths["/api/v1/hazards"]["get"]
    assert listing["responses"]["200"]["content"]["application/geo+json"]["schema"] == {
        "$ref": "#/components/schemas/HazardPointCollection"
    }
    params = {p["name"]: p for p in listing["parameters"]}
    assert set(params) >= {
        "county",
        "township",
        "status",
        "road_group",
        "road",
        "category",
        "visibility",
        "grade",
        "bbox",
        "updated_since",
        "limit",
        "offset",
    }
    assert "reported" in params["status"]["description"]
    assert {"HazardPointFeature", "HazardSegmentFeature", "HazardProperties", "HazardHistory"} <= set(schemas)
    assert schemas["HazardPointCollection"]["properties"]["numberMatched"]["type"] == "integer"

    create = paths["/api/v1/hazards"]["post"]
    body = create["requestBody"]["content"]["application/geo+json"]
    assert body["schema"]["properties"]["geometry"]["anyOf"][0]["properties"]["type"]["const"] == "Point"
    assert "category" in body["schema"]["properties"]["properties"]["anyOf"][0]["required"]
    assert body["example"]["properties"]["category"] == "JC01"
    assert {"201", "200", "409", "413", "415", "422"} <= set(create["responses"])
    assert "application/problem+json" in create["responses"]["422"]["content"]

    patch = paths["/api/v1/segments/{id}"]["patch"]
    assert "application/merge-patch+json" in patch["requestBody"]["content"]
    assert {"412", "428"} <= set(patch["responses"])
    assert {p["name"] for p in patch["parameters"]} >= {"id", "if-match", "crs"}

    assert "/api/v1/jurisdictions/{code}" in paths and "/api/v1/roads" in paths
    assert "/api/v1/categories" in paths
