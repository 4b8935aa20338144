"""Where things are in the service's URL space: the API's mount point and the hazards' two collections."""

from __future__ import annotations

from app.vocab import HazardKind

# Every JSON endpoint is under this (vector tiles and OGC API sit outside it, where GIS clients look).
API_PREFIX = "/api/v1"

# One table, two collections: points under /hazards, accident-prone segments under /segments.
COLLECTION: dict[HazardKind, str] = {HazardKind.point: "hazards", HazardKind.segment: "segments"}


def collection_of(kind: HazardKind | str) -> str:
    """``hazards`` or ``segments``: the collection of a kind (or of its code, ``point``/``segment``)."""
    return COLLECTION[HazardKind(kind)]


def hazard_link(kind: HazardKind | str, hazard_id: int) -> str:
    """The API's path of one hazard or segment."""
    return f"{API_PREFIX}/{collection_of(kind)}/{hazard_id}"
