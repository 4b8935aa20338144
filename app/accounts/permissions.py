"""Who may do what: the roles, the permissions, the principal, and the one-line guards.

Pure: no database, no request. The FastAPI dependencies that authenticate a request and check a
permission (``require``, ``current_principal``) are in app.accounts.dependencies; a service that writes
a hazard checks its county with ``check_county(principal, county_code)``. Both raise before anything is
written, or inside the request's transaction, which the refusal rolls back: a refused request changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from app.errors import Forbidden


class Role(StrEnum):
    admin = "admin"  # 市级管理员: everything, the whole city; manages users and keys
    commander = "commander"  # 市指挥室: reads everything; lists/delists (挂牌督办/摘牌); runs detection
    county_officer = "county_officer"  # 县区民警: writes hazards and their workflow in their counties
    verifier = "verifier"  # 核验人: closes out (销号) and reopens in their counties
    viewer = "viewer"  # reads everything
    agency = "agency"  # external agency, API key only: published fields only
    display = "display"  # a command-room screen, display key only: the wall and the data it shows

    @property
    def zh(self) -> str:
        return ROLE_ZH[self]


ROLE_ZH = {
    Role.admin: "管理员",
    Role.commander: "指挥中心",
    Role.county_officer: "县区民警",
    Role.verifier: "核验人",
    Role.viewer: "查看",
    Role.agency: "外部单位",
    Role.display: "大屏",
}


class Permission(StrEnum):
    read = "read"  # published data: hazard lists and features, tiles, OGC, export, stats, reference data
    read_internal = "read_internal"  # the ledger, history, crashes, candidates, supervision suggestions
    hazard_write = "hazard_write"  # create, patch, delete a hazard or segment
    claim = "claim"
    start = "start"
    rectify = "rectify"
    reject = "reject"
    duplicate = "duplicate"
    close = "close"
    reopen = "reopen"
    supervise = "supervise"  # 挂牌督办 list / 摘牌 delist
    candidate_decide = "candidate_decide"  # accept / dismiss an accident-prone candidate
    detection_run = "detection_run"
    crash_import = "crash_import"
    accounts_manage = "accounts_manage"  # users and API keys
    categories_manage = "categories_manage"  # add, rename, retire hazard categories
    basemaps_manage = "basemaps_manage"  # choose the default base map
    # Bulk import writes rows in any county in one transaction: the city office's, until an import
    # can refuse the rows outside an officer's counties.
    hazard_import = "hazard_import"
    roads_manage = "roads_manage"  # mileposts (桩号 calibration)
    webhooks_manage = "webhooks_manage"  # webhook subscriptions and their delivery log


_READ = {Permission.read, Permission.read_internal}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.admin: frozenset(Permission),
    Role.commander: frozenset(_READ | {Permission.supervise, Permission.detection_run}),
    Role.county_officer: frozenset(
        _READ
        | {
            Permission.hazard_write,
            Permission.claim,
            Permission.start,
            Permission.rectify,
            Permission.reject,
            Permission.duplicate,
            Permission.candidate_decide,
        }
    ),
    Role.verifier: frozenset(_READ | {Permission.close, Permission.reopen}),
    Role.viewer: frozenset(_READ),
    Role.agency: frozenset({Permission.read}),
    # Read-only, and only where DISPLAY_PATHS allow (app.accounts.service.authenticate).
    Role.display: frozenset(_READ),
}
# These roles act on the whole city; the others only within the counties assigned to them.
CITY_WIDE = frozenset({Role.admin, Role.commander})

# A display key (a command-room screen) reads these and nothing else, with GET: the wall page and
# the data its script loads (stats, outlines, and the crash layers it may show). A new wall request
# must be added here.
DISPLAY_PATHS = (
    "/wall",
    "/api/v1/stats",
    "/api/v1/jurisdictions",
    "/api/v1/detections/candidates",
    "/api/v1/crashes/density",
    "/basemap",  # the offline base maps' tiles
)
# And these lists, exactly (not the records, histories or photos beneath them): the wall's alarm
# watches them for hazards that became overdue or were listed since its previous refresh.
DISPLAY_LISTS = ("/api/v1/hazards", "/api/v1/segments")
# The cookie that holds a screen's display key (set by /wall?display_key=…).
DISPLAY_COOKIE = "hazardmap_display"


def display_may_read(path: str) -> bool:
    return path in DISPLAY_LISTS or any(path == p or path.startswith(p + "/") for p in DISPLAY_PATHS)


@dataclass(frozen=True)
class Principal:
    """Who is acting: a logged-in user (token or browser session) or an API key."""

    kind: Literal["user", "key"]
    id: int
    login: str
    display_name: str
    role: Role
    jurisdictions: frozenset[str]
    session_id: int | None = None
    # A browser session: state-changing requests must carry its CSRF token.
    via_cookie: bool = False

    @property
    def actor(self) -> str:
        """The name in the history and the workflow columns: 显示名（login）, unique by the login."""
        return f"{self.display_name}（{self.login}）"[:64]

    @property
    def published_only(self) -> bool:
        return Permission.read_internal not in ROLE_PERMISSIONS[self.role]

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise Forbidden(detail=f"the role {self.role} lacks the permission '{permission}'")

    def covers(self, county_code: str | None) -> bool:
        return self.role in CITY_WIDE or (county_code is not None and county_code in self.jurisdictions)


def check_county(principal: Principal, county_code: str | None, what: str = "county") -> None:
    """Refuse a change of a hazard in (or into) a county outside the principal's jurisdictions."""
    if not principal.covers(county_code):
        raise Forbidden(detail=f"{what} {county_code} is not among your jurisdictions")
