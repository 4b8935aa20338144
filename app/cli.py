"""The `hazardmap` command: the embedded database, migrations, data loading, the server."""

from __future__ import annotations

import typer
from rich.console import Console

from app.cluster import Cluster
from app.errors import ClusterError
from app.settings import get_settings

console = Console()
cli = typer.Typer(
    help="hazardmap: road-traffic-safety hazard ledger and map service",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_cli = typer.Typer(help="The embedded PostgreSQL + PostGIS cluster under var/ (development only).")
cli.add_typer(db_cli, name="db")


def embedded_cluster() -> Cluster:
    s = get_settings()
    return Cluster(path=s.cluster_dir, port=s.cluster_port, os_user=s.cluster_os_user)


def _uses_external_database() -> bool:
    return bool(get_settings().database_url)


@db_cli.command("up")
def db_up() -> None:
    """Create (first time) and start the embedded cluster, with PostGIS in the database."""
    if _uses_external_database():
        console.print("[yellow]DATABASE_URL is set: using that database; no embedded cluster started.[/]")
        return
    s = get_settings()
    cluster = embedded_cluster()
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
    cluster = embedded_cluster()
    if cluster.running():
        cluster.stop()
        console.print("==> embedded PostGIS stopped")
    else:
        console.print("==> embedded PostGIS was not running")


@db_cli.command("status")
def db_status() -> None:
    """Say whether the embedded cluster exists and runs, and which database the service uses."""
    s = get_settings()
    cluster = embedded_cluster()
    if _uses_external_database():
        console.print("database: external (DATABASE_URL)")
    state = "running" if cluster.running() else ("stopped" if cluster.initialised() else "not created")
    console.print(f"embedded cluster: {state} at {cluster.path} (port {s.cluster_port})")
    if state != "running":
        raise typer.Exit(3)


@cli.command()
def migrate(revision: str = typer.Argument("head")) -> None:
    """Bring the database schema up to date (alembic upgrade head)."""
    from app import migrate as migrations

    with console.status("migrating…"):
        migrations.upgrade(revision=revision)
    console.print(f"==> database schema at {revision}")


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
    from app.crashes.cli import detect_command, import_crashes_command
    from app.demo.cli import demo_cli
    from app.geodata.cli import geodata_cli, import_cli
    from app.posters.cli import map_file_command, poster_command

    import_cli.command("crashes")(import_crashes_command)
    cli.command("detect")(detect_command)
    cli.command("poster")(poster_command)
    cli.command("map-file")(map_file_command)
    cli.add_typer(import_cli, name="import")
    cli.add_typer(geodata_cli, name="geodata")
    cli.add_typer(demo_cli, name="demo")
    cli.add_typer(users_cli, name="users")
    cli.add_typer(keys_cli, name="keys")
    users_cli.command("first-admin")(first_admin_command)


_mount_data_commands()


def main() -> None:
    cli()
