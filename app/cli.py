"""The `hazardmap` command: the embedded database, migrations, data loading, the server."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from app.errors import ClusterError
from app.settings import get_settings

console = Console()
cli = typer.Typer(
    help="hazardmap: road-traffic-safety hazard ledger and map service",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_cli = typer.Typer(
    help="The embedded PostGIS under var/ (development: up, down, status); the service role's grants."
)
cli.add_typer(db_cli, name="db")


def _uses_external_database() -> bool:
    return bool(get_settings().database_url)


@db_cli.command("up")
def db_up() -> None:
    """Create (first time) and start the embedded cluster, with PostGIS in the database."""
    if _uses_external_database():
        console.print("[yellow]DATABASE_URL is set: using that database; no embedded cluster started.[/]")
        return
    s = get_settings()
    cluster = s.embedded_cluster()
    with console.status("starting the embedded PostGIS…"):
        try:
            cluster.up(s.cluster_database)
        except ClusterError as exc:
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(1) from exc
    console.print(f"==> PostGIS running on 127.0.0.1:{s.cluster_port}, database {s.cluster_database!r}")


@db_cli.command("down")
def db_down() -> None:
    """Stop the embedded cluster (its data stays under var/pg)."""
    cluster = get_settings().embedded_cluster()
    if cluster.running():
        cluster.stop()
        console.print("==> embedded PostGIS stopped")
    else:
        console.print("==> embedded PostGIS was not running")


@db_cli.command("status")
def db_status() -> None:
    """Say whether the embedded cluster exists and runs, and which database the service uses."""
    s = get_settings()
    cluster = s.embedded_cluster()
    if _uses_external_database():
        console.print("database: external (DATABASE_URL)")
    state = "running" if cluster.running() else ("stopped" if cluster.initialised() else "not created")
    console.print(f"embedded cluster: {state} at {cluster.path} (port {s.cluster_port})")
    if state != "running":
        raise typer.Exit(3)


@cli.command()
def migrate(revision: str = typer.Argument("head")) -> None:
    """Bring the schema up to date (alembic upgrade head) as its owner, then grant the service's role."""
    from app import migrate as migrations

    with console.status("migrating…"):
        migrations.upgrade(get_settings().effective_migration_url, revision=revision)
    console.print(f"==> database schema at {revision}")
    _grant(show=False)


@db_cli.command("grant")
def db_grant(
    show: bool = typer.Option(False, "--print", help="print the statements instead of running them"),
) -> None:
    """Grant the service's role (DATABASE_URL's user) what it needs, as the schema's owner.

    `hazardmap migrate` does this after every upgrade; the history tables are insert-only for it.
    """
    _grant(show=show)


def _grant(*, show: bool) -> None:
    import asyncio

    from sqlalchemy.ext.asyncio import create_async_engine

    from app import grants

    s = get_settings()
    owner_url, app_url = s.effective_migration_url, s.effective_database_url
    app_role = grants.role_of(app_url)
    if app_role == grants.role_of(owner_url):
        console.print(
            f"[yellow]note:[/] the service connects as {app_role!r}, the schema's owner; give it a role of "
            "its own (README, 'On an existing PostGIS'): nothing granted"
        )
        return

    async def run() -> grants.Plan:
        engine = create_async_engine(owner_url)
        try:
            async with engine.begin() as conn:
                return await (grants.plan(conn, app_role) if show else grants.apply(conn, app_role))
        finally:
            await engine.dispose()

    try:
        plan = asyncio.run(run())
    except grants.GrantError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    if show:
        for statement in plan.statements:
            print(f"{statement};")
    else:
        console.print(f"==> {app_role!r} granted what the service needs ({len(plan.statements)} statements)")


@cli.command()
def backup(file: Path = typer.Argument(..., help="the archive to write (a tar file)")) -> None:
    """Back up the database (pg_dump, custom format) and the photo store into one archive with checksums."""
    from app import backup as backups

    s = get_settings()
    try:
        with console.status("backing up…"):
            manifest = backups.backup(s.effective_migration_url, s.photo_dir, file)
    except backups.BackupError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    size = file.stat().st_size
    console.print(
        f"==> {file}: database at {manifest.revision} ({manifest.dump.bytes:,} bytes) and "
        f"{len(manifest.photos)} photo files; {size:,} bytes"
    )


@cli.command()
def restore(
    file: Path = typer.Argument(..., help="an archive written by `hazardmap backup`"),
    verify_only: bool = typer.Option(False, "--verify-only", help="check every checksum, restore nothing"),
) -> None:
    """Restore an archive into an empty database and an empty photo store (checksums checked first)."""
    from app import backup as backups

    s = get_settings()
    try:
        with console.status("checking…" if verify_only else "restoring…"):
            if verify_only:
                manifest = backups.verify(file)
            else:
                manifest = backups.restore(file, s.effective_migration_url, s.photo_dir)
    except backups.BackupError as exc:
        console.print(f"[red]error:[/] {exc}")
        console.print("nothing was restored")
        raise typer.Exit(1) from exc
    what = f"database at {manifest.revision} and {len(manifest.photos)} photo files of {manifest.created_at}"
    if verify_only:
        console.print(f"==> {file}: every checksum matches ({what})")
        return
    console.print(f"==> restored {what} into {s.photo_dir} and the database")
    _grant(show=False)


@cli.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the API and the pages (with no user yet, first creates `admin` and prints its password)."""
    import uvicorn

    from app.accounts.cli import first_admin_command

    get_settings().check_production()
    first_admin_command()
    uvicorn.run("app.main:app", host=host, port=port, workers=workers, proxy_headers=True)


def _mount_data_commands() -> None:
    # Data loading lives with the geodata package; imported here so `hazardmap --help` lists it.
    from app.accounts.cli import first_admin_command, keys_cli, users_cli
    from app.basemaps.cli import basemap_cli
    from app.crashes.cli import detect_command, import_crashes_command
    from app.demo.cli import demo_cli
    from app.geodata.cli import geodata_cli, import_cli
    from app.imports.cli import import_hazards_command
    from app.jobs.cli import worker_command
    from app.posters.cli import map_file_command, poster_command
    from app.roads.cli import roads_cli

    import_cli.command("hazards")(import_hazards_command)
    import_cli.command("crashes")(import_crashes_command)
    cli.command("detect")(detect_command)
    cli.command("poster")(poster_command)
    cli.command("map-file")(map_file_command)
    cli.command("worker")(worker_command)
    cli.add_typer(import_cli, name="import")
    cli.add_typer(geodata_cli, name="geodata")
    cli.add_typer(demo_cli, name="demo")
    cli.add_typer(roads_cli, name="roads")
    cli.add_typer(users_cli, name="users")
    cli.add_typer(keys_cli, name="keys")
    cli.add_typer(basemap_cli, name="basemap")
    users_cli.command("first-admin")(first_admin_command)


_mount_data_commands()


def main() -> None:
    cli()
