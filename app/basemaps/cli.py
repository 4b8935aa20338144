"""hazardmap basemap import FILE NAME | list | remove NAME | default NAME."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from app.basemaps import catalog, packages
from app.settings import get_settings

console = Console(soft_wrap=True)
basemap_cli = typer.Typer(
    help="Base maps: offline tile packages (MBTiles, PMTiles) and the default.", no_args_is_help=True
)


@basemap_cli.command("import")
def import_command(
    file: Path = typer.Argument(
        ..., help="an .mbtiles or .pmtiles file (raster PNG/JPEG/WebP or vector MVT)"
    ),
    name: str = typer.Argument(..., help="the base map's name: lower-case letters, digits, - and _"),
    title: str = typer.Option("", help="what the layer switcher shows (default: the package's name)"),
    attribution: str = typer.Option("", help="the credit shown on the map (default: the package's own)"),
) -> None:
    """Store a tile package as base map NAME, served at /basemap/NAME/{z}/{x}/{y} (replacing any)."""
    try:
        package = packages.import_package(
            file,
            name,
            get_settings().basemap_dir,
            title=title,
            attribution=attribution,
            taken=catalog.configured_names(),
        )
    except packages.PackageError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(
        f"base map {package.name}: {package.container}, {package.tile_format} tiles, "
        f"zoom {package.min_zoom}–{package.max_zoom}, at /basemap/{package.name}/{{z}}/{{x}}/{{y}}"
    )


@basemap_cli.command("list")
def list_command() -> None:
    """The base maps pages may draw; * marks the default."""
    found = catalog.choices()
    default = catalog.default_name({c.name for c in found})
    for c in found:
        mark = "*" if c.name == default else " "
        console.print(f"{mark} {c.name}\t{c.source}\t{c.crs}\t{c.tile_format}\t{c.title}")


@basemap_cli.command("remove")
def remove_command(name: str = typer.Argument(..., help="an imported package's name")) -> None:
    """Delete an imported package."""
    if not packages.NAME.match(name) or not packages.remove_package(get_settings().basemap_dir, name):
        console.print(f"[red]no imported base map {name!r}[/red]")
        raise typer.Exit(1)
    console.print(f"removed {name}")


@basemap_cli.command("default")
def default_command(name: str = typer.Argument(..., help="a base map's name, or blank")) -> None:
    """Choose the base map pages open with (as the admin page does)."""
    names = {c.name for c in catalog.choices()}
    if name not in names:
        console.print(f"[red]no base map {name!r}; the base maps are {', '.join(sorted(names))}[/red]")
        raise typer.Exit(1)
    catalog.set_default(name, "cli")
    console.print(f"default base map: {name}")
