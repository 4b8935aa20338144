"""`hazardmap import …`, `hazardmap geodata load`, `hazardmap demo load`."""

from __future__ import annotations

import typer

import_cli = typer.Typer(help="Import boundaries, roads or hazards from a file (one transaction).")
geodata_cli = typer.Typer(help="The shipped geodata: Liaocheng outlines, townships, schematic roads.")
