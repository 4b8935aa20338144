"""The harness's users: one per role in the template database (so in every clone), each with a token."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.accounts import service
from app.accounts.permissions import Role


@dataclass(frozen=True)
class SeedUser:
    login: str
    name: str
    role: str
    counties: tuple[str, ...] = ()


# The county officer and the verifiers work in 东昌府区 (371502); "other" counties are e.g. 阳谷县 371521.
OWN_COUNTY = "371502"
OTHER_COUNTY = "371521"
TEST_USERS = {
    "admin": SeedUser("t-admin", "测试管理员", "admin"),
    # A second administrator: the one who closes out what the first marked rectified.
    "admin2": SeedUser("t-admin2", "第二管理员", "admin"),
    "commander": SeedUser("t-commander", "指挥中心值班", "commander"),
    "county_officer": SeedUser("t-officer", "东昌府民警", "county_officer", (OWN_COUNTY,)),
    "verifier": SeedUser("t-verifier", "东昌府核验员", "verifier", (OWN_COUNTY,)),
    "verifier2": SeedUser("t-verifier2", "第二核验员", "verifier", (OWN_COUNTY,)),
    "viewer": SeedUser("t-viewer", "查看员", "viewer"),
}
TEST_PASSWORD = "test-password-1"
# Filled by seed_accounts: role (or "verifier2") → bearer token; "agency" → an API key of the agency role.
TOKENS: dict[str, str] = {}


async def seed_accounts(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session, session.begin():
        for key, u in TEST_USERS.items():
            row = await service.add_user(
                session,
                u.login,
                role=Role(u.role),
                display_name=u.name,
                password=TEST_PASSWORD,
                jurisdictions=list(u.counties),
            )
            issued = await service.open_session(session, row)
            TOKENS[key] = issued.token
        # Tokens that outlive a long test run.
        await session.execute(text("UPDATE auth_sessions SET expires_at = now() + interval '7 days'"))
        TOKENS["agency"], _ = await service.create_key(session, "测试外部单位")


def auth_headers(role: str = "admin") -> dict[str, str]:
    """The headers of a request made as ``role`` (a key of TOKENS)."""
    return {"Authorization": f"Bearer {TOKENS[role]}"}
