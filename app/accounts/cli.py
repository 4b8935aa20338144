"""`hazardmap users …` and `hazardmap keys …`: accounts are managed on the server's command line."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.table import Table

from app.accounts import service
from app.accounts.permissions import Role
from app.clirun import run_async
from app.db import session_scope
from app.settings import get_settings

console = Console()
T = TypeVar("T")

users_cli = typer.Typer(
    help="User accounts (账号): add, list, disable, change a password.", no_args_is_help=True
)
keys_cli = typer.Typer(help="API keys for programs and external agencies.", no_args_is_help=True)


def _run(work: Callable[[], Awaitable[T]]) -> T:
    return run_async(work, console, writes=True)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


@users_cli.command("add")
def users_add(
    login: str = typer.Argument(..., help="the login: lower-case letters, digits, . _ -"),
    role: Role = typer.Option(..., help="admin, commander, county_officer, verifier or viewer"),
    name: str = typer.Option(..., help="display name (显示名), e.g. 张三; shown in the history"),
    jurisdiction: list[str] = typer.Option(
        [], help="a county code (e.g. 371502), repeatable; required for county_officer and verifier"
    ),
    password_stdin: bool = typer.Option(False, help="read the password from the first line of stdin"),
    email: str = typer.Option("", help="e-mail address for notifications (optional)"),
) -> None:
    """Add a user; the password is asked for twice (or read from stdin)."""
    password = _password(password_stdin)

    async def work() -> service.UserRow:
        async with session_scope() as session:
            user = await service.add_user(
                session, login, role=role, display_name=name, password=password, jurisdictions=jurisdiction
            )
            await service.set_email(session, user.id, email)
            return user

    user = _run(work)
    counties = ", ".join(user.jurisdictions) or "the whole city"
    console.print(
        f"==> user {user.login} ({user.display_name}, {user.role}) added; jurisdictions: {counties}"
    )


@users_cli.command("list")
def users_list() -> None:
    """Every user, with role, jurisdictions, e-mail address and whether disabled."""

    async def work() -> list[service.UserRow]:
        async with session_scope() as session:
            return await service.list_users(session)

    table = Table("login", "name", "role", "jurisdictions", "e-mail", "disabled", "created")
    for u in _run(work):
        table.add_row(
            u.login,
            u.display_name,
            u.role,
            " ".join(u.jurisdictions),
            u.email or "",
            "yes" if u.disabled else "",
            f"{u.created_at:%Y-%m-%d}",
        )
    console.print(table)


@users_cli.command("disable")
def users_disable(login: str) -> None:
    """Disable a user at once: their tokens and browser sessions stop working."""

    async def work() -> service.UserRow:
        async with session_scope() as session:
            return await service.set_disabled(session, login, True)

    _run(work)
    console.print(f"==> user {login} disabled; their sessions are revoked")


@users_cli.command("enable")
def users_enable(login: str) -> None:
    """Enable a disabled user again (they log in anew)."""

    async def work() -> service.UserRow:
        async with session_scope() as session:
            return await service.set_disabled(session, login, False)

    _run(work)
    console.print(f"==> user {login} enabled")


@users_cli.command("passwd")
def users_passwd(
    login: str,
    password_stdin: bool = typer.Option(False, help="read the password from the first line of stdin"),
) -> None:
    """Set a user's password; their open sessions are revoked."""
    password = _password(password_stdin)

    async def work() -> None:
        async with session_scope() as session:
            await service.set_password(session, login, password)

    _run(work)
    console.print(f"==> password of {login} changed; their sessions are revoked")


@users_cli.command("email")
def users_email(
    login: str,
    address: str = typer.Argument("", help="the e-mail address for notifications; empty: remove it"),
) -> None:
    """Set or remove a user's e-mail address (notifications by e-mail and the daily digest)."""

    async def work() -> str | None:
        async with session_scope() as session:
            user = await service.get_user(session, login)
            return await service.set_email(session, user.id, address)

    stored = _run(work)
    console.print(f"==> e-mail of {login}: {stored}" if stored else f"==> e-mail of {login} removed")


@keys_cli.command("create")
def keys_create(
    name: str = typer.Argument(..., help="whose key: the agency or program, e.g. 市交通运输局"),
    role: Role = typer.Option(
        Role.agency,
        help="agency (published fields only), viewer, commander or admin; screens: create-display",
    ),
) -> None:
    """Create an API key; it is printed once, only its hash is kept."""

    async def work() -> tuple[str, service.KeyRow]:
        async with session_scope() as session:
            return await service.create_key(session, name, role=role)

    key, row = _run(work)
    console.print(f"==> API key {row.prefix}… for {row.name} ({row.role}); it is shown this once:")
    print(key)


@keys_cli.command("create-display")
def keys_create_display(
    name: str = typer.Argument(..., help="which screen, e.g. 市指挥中心大屏1"),
) -> None:
    """Create a display key for a command-room screen: it shows /wall (and reads what the wall reads),
    nothing else, and does not expire; `hazardmap keys revoke` ends it at once. Printed once, as the
    link to open on the screen (or to keep as the screen's start page)."""

    async def work() -> tuple[str, service.KeyRow]:
        async with session_scope() as session:
            return await service.create_key(session, name, role=Role.display)

    key, row = _run(work)
    console.print(
        f"==> display key {row.prefix}… for {row.name}; open this link on the screen (shown this once):"
    )
    print(f"{get_settings().base_url}/wall?display_key={key}")


@keys_cli.command("list")
def keys_list() -> None:
    """Every key: its visible prefix, name, role, when last used, whether revoked."""

    async def work() -> list[service.KeyRow]:
        async with session_scope() as session:
            return await service.list_keys(session)

    table = Table("id", "prefix", "name", "role", "created", "last used", "revoked")
    for k in _run(work):
        table.add_row(
            str(k.id),
            k.prefix,
            k.name,
            k.role,
            f"{k.created_at:%Y-%m-%d %H:%M}",
            f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "",
            f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "",
        )
    console.print(table)


@keys_cli.command("revoke")
def keys_revoke(key: str = typer.Argument(..., help="the key's id or its prefix (hm_…)")) -> None:
    """Revoke a key at once."""

    async def work() -> service.KeyRow:
        async with session_scope() as session:
            return await service.revoke_key(session, key)

    row = _run(work)
    console.print(f"==> API key {row.prefix}… ({row.name}) revoked")


async def ensure_first_admin() -> str | None:
    """With no user at all, add `admin` with a random password and return it (printed once)."""
    async with session_scope() as session:
        if await service.count_users(session) > 0:
            return None
        password = secrets.token_urlsafe(12)
        await service.add_user(session, "admin", role=Role.admin, display_name="管理员", password=password)
        return password


def first_admin_command() -> None:
    """Add the first administrator when there is no user yet, and say how to log in."""
    password = _run(ensure_first_admin)
    if password is None:
        console.print(
            "==> accounts: log in with your user (hazardmap users list; hazardmap users passwd LOGIN)"
        )
        return
    console.print("==> no user existed: created the administrator")
    console.print(f"    login: admin   password: {password}")
    console.print("    (shown this once; change it with: hazardmap users passwd admin)")
