"""What an import did: rows loaded, rows refused and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Refusal:
    """One refused row. ``row`` is 1-based: the Nth feature of the layer, or the Nth data row of a CSV."""

    row: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "reason": self.reason}


@dataclass
class ImportReport:
    """The outcome of one import; the CLI prints it, an API job can return ``as_dict()``."""

    kind: str  # boundaries | roads | hazards
    file: str
    loaded: int = 0
    refused: list[Refusal] = field(default_factory=list)
    # Kind-specific figures, e.g. {"inserted": 3, "updated": 1} for boundaries.
    details: dict[str, int] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        return f"loaded {self.loaded}, refused {len(self.refused)}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            "loaded": self.loaded,
            "refused": [r.as_dict() for r in self.refused],
            "details": dict(self.details),
        }
