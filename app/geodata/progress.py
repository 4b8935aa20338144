"""Progress reporting for the importers, without tying them to a terminal.

The import functions report stages and row counts to a ``ProgressSink``; the CLI passes one
that draws a rich progress bar, an API job could pass one that records a percentage.
"""

from __future__ import annotations

from typing import Protocol


class ProgressSink(Protocol):
    def stage(self, description: str, total: int | None = None) -> None:
        """A new stage begins; ``total`` rows, or None when the amount is unknown."""

    def advance(self, n: int = 1) -> None:
        """``n`` more rows of the current stage are done."""


class NoProgress:
    def stage(self, description: str, total: int | None = None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass
