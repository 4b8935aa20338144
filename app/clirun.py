"""How a `hazardmap` command runs the service's async work: the engine disposed afterwards, and a
domain error printed in red and ending the command with status 1 (no traceback)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console

from app.db import dispose_engine
from app.errors import HazardmapError

T = TypeVar("T")


def run_async(work: Callable[[], Awaitable[T]], console: Console, *, writes: bool = False) -> T:
    """Run ``work`` to its end; ``writes``: on an error, say that nothing was changed (the work's
    transaction rolled back)."""

    async def main() -> T:
        try:
            return await work()
        finally:
            await dispose_engine()

    try:
        return asyncio.run(main())
    except HazardmapError as exc:
        console.print(f"[red]error:[/] {exc}")
        if writes:
            console.print("nothing was changed")
        raise typer.Exit(1) from exc
