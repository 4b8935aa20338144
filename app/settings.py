"""Typed settings, read from the environment (prefix ``HAZARDMAP_``) or a ``.env`` file.

``DATABASE_URL`` (without the prefix) is honoured too, because that is the name every
PaaS, compose file and managed PostgreSQL hands out.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from app.cluster import Cluster

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Good enough for development and tests only; production refuses to start with it.
DEFAULT_SECRET = "development-only-not-secret"
# Where `make run` serves; the base of absolute links unless HAZARDMAP_PUBLIC_URL says otherwise.
DEVELOPMENT_URL = "http://127.0.0.1:8000"


class BaseMapSource(BaseModel):
    """One named base map a deployment configures (HAZARDMAP_BASEMAPS, a JSON list of these).

    - ``tianditu``: 天地图 in Web Mercator (``_w``) tiles, ``layer`` vec (with cva labels) or img (cia);
      ``key`` is the 天地图 token, bound to this site's domain.
    - ``xyz``: any tile server, ``url`` with {z}/{x}/{y} (and {s} for ``subdomains``), e.g. an
      intranet server or AMap/Tencent tiles with ``crs`` gcj02.
    - ``wmts``: an OGC WMTS (KVP GetTile) in the GoogleMapsCompatible (Web Mercator) matrix set.
    """

    model_config = {"extra": "forbid"}

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    kind: Literal["tianditu", "xyz", "wmts"]
    title: str = ""  # what the switcher shows; defaults to the name
    title_en: str = ""
    url: str = ""  # xyz: the template; wmts: the service's address
    labels_url: str = ""  # xyz: an optional label layer drawn above (same CRS)
    subdomains: str = ""
    layer: str = ""  # tianditu: vec or img; wmts: the LAYER
    key: str = ""  # tianditu: tk
    style: str = "default"  # wmts
    tile_matrix_set: str = "GoogleMapsCompatible"  # wmts
    tile_matrix_prefix: str = ""  # wmts: e.g. "EPSG:3857:" when the matrices are named so
    format: str = "image/png"  # wmts
    crs: Literal["wgs84", "gcj02"] = "wgs84"  # gcj02: AMap/Tencent-style tiles (overlays are shifted)
    attribution: str = ""  # required for xyz/wmts (with the provider's 审图号 where it has one)
    review_number: str = ""  # tianditu: the 审图号 天地图 currently shows, e.g. GS（2024）0000号
    min_zoom: int = Field(default=1, ge=0, le=22)
    max_zoom: int = Field(default=18, ge=1, le=22)

    @model_validator(mode="after")
    def _complete(self) -> BaseMapSource:
        if self.kind == "tianditu":
            if self.layer not in ("vec", "img"):
                raise ValueError(f"base map {self.name}: 天地图 layer must be vec or img")
            if not self.key:
                raise ValueError(f"base map {self.name}: 天地图 needs its key (tk)")
            if self.crs != "wgs84":
                raise ValueError(f"base map {self.name}: 天地图 is CGCS2000, not GCJ-02")
            if not self.review_number:
                raise ValueError(
                    f"base map {self.name}: 天地图 must be shown with its 审图号 (review_number)"
                )
            return self
        for url in (self.url, self.labels_url):
            if url and not url.startswith(("http://", "https://")):
                raise ValueError(f"base map {self.name}: {url!r} must be an http(s) URL")
        if not self.url:
            raise ValueError(f"base map {self.name}: url is required")
        if self.kind == "xyz":
            for url in filter(None, (self.url, self.labels_url)):
                if not all(p in url for p in ("{z}", "{x}", "{y}")):
                    raise ValueError(f"base map {self.name}: {url!r} must contain {{z}}, {{x}} and {{y}}")
                if "{s}" in url and not self.subdomains:
                    raise ValueError(f"base map {self.name}: {{s}} in the URL needs subdomains")
        if self.kind == "wmts" and not self.layer:
            raise ValueError(f"base map {self.name}: a WMTS needs its layer")
        if not self.attribution:
            raise ValueError(f"base map {self.name}: an attribution is required (its licence asks for it)")
        return self

    def tile_templates(self) -> list[str]:
        """The tile URL templates a page's script draws ({s}, {z}, {x}, {y}), base first, labels on top."""
        if self.kind == "tianditu":
            labels = {"vec": "cva", "img": "cia"}[self.layer]
            # Web Mercator (_w) tiles only: the CGCS2000 geographic (_c) matrix set is not a Web
            # Mercator grid and the pages draw in Web Mercator.
            return [
                f"https://t{{s}}.tianditu.gov.cn/{name}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                f"&LAYER={name}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={self.key}"
                for name in (self.layer, labels)
            ]
        if self.kind == "wmts":
            joiner = "&" if "?" in self.url else "?"
            return [
                f"{self.url}{joiner}SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={self.layer}"
                f"&STYLE={self.style}&TILEMATRIXSET={self.tile_matrix_set}&FORMAT={self.format}"
                f"&TILEMATRIX={self.tile_matrix_prefix}{{z}}&TILEROW={{y}}&TILECOL={{x}}"
            ]
        return [u for u in (self.url, self.labels_url) if u]

    @property
    def tile_subdomains(self) -> str:
        return "01234567" if self.kind == "tianditu" else self.subdomains

    def tile_hosts(self) -> list[str]:
        """Every origin the templates reach ({s} expanded), for the pages' Content-Security-Policy."""
        hosts: list[str] = []
        for template in self.tile_templates():
            for sub in self.tile_subdomains if "{s}" in template else [""]:
                parts = urlsplit(template.replace("{s}", sub))
                origin = f"{parts.scheme}://{parts.netloc}"
                if origin not in hosts:
                    hosts.append(origin)
        return hosts


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAZARDMAP_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"

    # Empty means: use the embedded cluster managed by `hazardmap db up`.
    database_url: str = Field(
        default="",
        validation_alias=AliasChoices("HAZARDMAP_DATABASE_URL", "DATABASE_URL"),
    )
    # The role that migrates (owns the schema); empty means DATABASE_URL. The service itself should
    # connect as a role that owns nothing and is not superuser (README, "On an existing PostGIS").
    migration_database_url: str = ""
    # Connections kept open per worker. More than the clients that may be served at once: a
    # connection beyond the pool (an overflow) is closed when handed back, so each request that
    # needs one pays for a new connection; at 16 concurrent tile requests that was a third of them.
    db_pool_size: int = 20
    db_max_overflow: int = 10
    # The URLs lead to PgBouncer in transaction pooling: asyncpg keeps no prepared statements across
    # transactions (statement cache off, a fresh name per statement) and sends no startup settings
    # PgBouncer would refuse (README, "Several machines").
    db_pgbouncer: bool = False

    # Embedded cluster (development and tests only).
    cluster_dir: Path = PROJECT_ROOT / "var" / "pg"
    cluster_port: int = 54329
    cluster_database: str = "hazardmap"
    cluster_os_user: str = "postgres"

    # The city the service is for; points outside its outline are refused.
    city_code: str = "371500"
    # Tolerance around the city outline, in metres, for pins on the border.
    city_border_tolerance_m: float = 200.0

    # API limits.
    page_limit_default: int = 100
    page_limit_max: int = 10_000
    max_body_bytes: int = 1_048_576

    # -- bulk import ------------------------------------------------------------------------------
    # Uploads are spooled to this folder while their job runs, never held in memory.
    import_dir: Path = PROJECT_ROOT / "var" / "imports"
    # The largest file POST /imports accepts (100,000 rows of CSV are about 15 MB).
    import_max_bytes: int = Field(default=200 * 1_048_576, gt=0)
    # The most rows one import may hold (counted before the job starts, and again as it reads).
    import_max_rows: int = Field(default=200_000, gt=0)

    # CQL2 filters of the OGC API: refused (400) beyond these, before any SQL is built. A chain
    # "a OR b OR c" is one level of depth with three conditions.
    cql2_max_chars: int = Field(default=20_000, ge=1)
    cql2_max_depth: int = Field(default=20, ge=1)
    cql2_max_conditions: int = Field(default=200, ge=1)

    # The address users open (scheme, host, any path prefix): the base of every absolute link the
    # service writes (paging, OGC, TileJSON, photos). Never the request's Host header, which a client
    # chooses. Empty: DEVELOPMENT_URL outside production; production refuses to start without it.
    public_url: str = ""
    # Strict-Transport-Security max-age, sent when the public URL is https; 0: none.
    hsts_seconds: int = Field(default=31_536_000, ge=0)

    # -- base maps ---------------------------------------------------------------------------------
    # Named tile base maps (JSON list of BaseMapSource); none by default: the service's own layers
    # are the map, and no page loads anything from elsewhere. Their hosts, and only theirs, go into
    # the pages' Content-Security-Policy.
    basemaps: list[BaseMapSource] = Field(default_factory=list)
    # Offline tile packages imported with `hazardmap basemap import` (MBTiles, PMTiles) live here.
    basemap_dir: Path = PROJECT_ROOT / "var" / "basemaps"
    # The base map pages open with until an administrator chooses one; empty: none ("blank").
    basemap_default: str = ""

    # -- ledger workflow --------------------------------------------------------------------------
    # Days from the start of rectification to the deadline (整改时限) by grade, when none is given.
    # The plan gives no official numbers for these; they are our defaults, to be set by the city.
    deadline_days_general: int = Field(default=30, ge=1)
    deadline_days_significant: int = Field(default=15, ge=1)
    deadline_days_major: int = Field(default=7, ge=1)
    # A reported hazard not claimed (签字认领) this many days after its report is overdue, as one
    # past its deadline is (0: only the deadline counts). Our default, to be set by the city.
    claim_within_days: int = Field(default=7, ge=0, le=365)
    # The recipients of an open hazard are told (once, by a periodic job) when the day it falls due
    # is this many days away or fewer (due_soon, 期限将至); the day after it, that it is overdue.
    due_soon_days: int = Field(default=3, ge=0, le=60)
    # Finished deliveries (e-mail, webhooks, digests) and read notifications are deleted this many
    # days after they were written, by a periodic job; pending ones and unread notifications stay.
    notifications_keep_days: int = Field(default=90, ge=1, le=3650)

    # -- road network: snapping, chainage, duplicates, accident-prone detection -----------------
    # A pin or a crash this close to a road is placed on it (road + 桩号); farther, it stays off-road.
    snap_distance_m: float = Field(default=50.0, gt=0)
    # "Nearest point of the road" is found in metres, not degrees: UTM zone 50N covers Liaocheng.
    metric_srid: int = 32650
    # Another open hazard of the same category on the same road this close is a possible duplicate.
    duplicate_distance_m: float = Field(default=30.0, gt=0)
    # Accident-prone points and segments (事故易发多发点段). No national thresholds were found; these
    # follow the city plan and the provincial list the plan quotes. A minimum of 0 turns a rule off.
    detect_years: int = Field(default=3, ge=1)
    detect_window_m: float = Field(default=500.0, gt=0)
    # Window length per road class, e.g. {"expressway": 1000}; others use detect_window_m.
    detect_window_m_by_class: dict[str, float] = Field(default_factory=dict)
    detect_point_radius_m: float = Field(default=150.0, gt=0)
    # A segment candidate is cut where it would grow longer (at least the longest window).
    detect_max_segment_m: float = Field(default=2000.0, gt=0)
    detect_min_fatal_crashes: int = Field(default=3, ge=0)  # crashes with a death
    detect_min_major_crashes: int = Field(default=2, ge=0)  # crashes with ≥ detect_major_deaths deaths
    detect_major_deaths: int = Field(default=3, ge=1)
    detect_min_ordinary_crashes: int = Field(default=5, ge=0)  # 一般程序
    detect_min_crashes: int = Field(default=0, ge=0)  # crashes of any kind (county practice: 5)

    # -- evidence photos --------------------------------------------------------------------------
    # Files live outside the database, content-addressed by sha256; the rows point at them.
    photo_dir: Path = PROJECT_ROOT / "var" / "photos"
    # A phone photo is 2–8 MB; 10 MiB leaves room and still refuses a video sent by mistake.
    photo_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    # Decompression bombs: a small file that decodes to a huge bitmap. 50 MP covers every phone camera.
    photo_max_pixels: int = Field(default=50_000_000, ge=1)
    photo_thumbnail_px: int = Field(default=320, ge=16, le=2048)
    # Photos decoded at once (each up to photo_max_pixels × 4 bytes); more uploads wait their turn.
    photo_decode_concurrency: int = Field(default=2, ge=1)

    # -- printed pages ----------------------------------------------------------------------------
    # matplotlib embeds TrueType faces only; the Noto CJK collection Debian ships (fonts-noto-cjk) is
    # converted to this file on first use.
    poster_font: Path = PROJECT_ROOT / "var" / "fonts" / "NotoSansCJKsc-Print.ttf"

    # -- accounts ---------------------------------------------------------------------------------
    # Keys the hashes of tokens and API keys: a copy of the database alone cannot check guesses.
    # Changing it logs everybody out and invalidates every API key.
    secret_key: str = DEFAULT_SECRET
    # A bearer token or a browser session ends this long after it was last used (sliding renewal)…
    token_hours: float = Field(default=12.0, gt=0)
    # …and at the latest this long after the login.
    session_max_hours: float = Field(default=7 * 24.0, gt=0)
    # Failed logins: this many are free per login name, and per client address (an office behind one
    # address has many users); each further one doubles the wait, from 1 s up to the maximum.
    # A failure older than the window is forgotten; a successful login clears its login's count.
    login_free_failures: int = Field(default=5, ge=1)
    login_free_failures_per_address: int = Field(default=20, ge=1)
    login_delay_max_s: int = Field(default=900, ge=1)
    login_failure_window_s: int = Field(default=3600, ge=1)
    # The session cookie only over HTTPS. Unset: true outside development; production requires it.
    cookie_secure: bool | None = None
    cookie_name: str = "hazardmap_session"
    # argon2 hashes and checks (~80 ms of CPU each) run in worker threads, this many at once.
    password_hash_concurrency: int = Field(default=2, ge=1)
    # Who a token or API key is, remembered per process this long (app/accounts/cache.py): a revocation
    # in another process is honoured within it, in this process at once. 0: ask the database every time.
    auth_cache_s: float = Field(default=5.0, ge=0, le=60)

    def check_production(self) -> None:
        """Refuse to serve production with a guessable secret or a session cookie sent over plain HTTP."""
        if self.environment != "production":
            return
        if not self.secret_key or self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
            raise RuntimeError(
                "HAZARDMAP_SECRET_KEY must be set to a random value of 32+ characters in production"
            )
        if not self.secure_cookies:
            raise RuntimeError("HAZARDMAP_COOKIE_SECURE must be true in production (sessions need HTTPS)")
        if not self.public_url.startswith(("https://", "http://")):
            raise RuntimeError(
                "HAZARDMAP_PUBLIC_URL must be set in production to the address users open, "
                "e.g. https://hazards.example.cn (links are never built from the request's Host header)"
            )

    @field_validator("basemaps")
    @classmethod
    def _basemap_names_unique(cls, sources: list[BaseMapSource]) -> list[BaseMapSource]:
        names = [s.name for s in sources]
        if len(names) != len(set(names)):
            raise ValueError("HAZARDMAP_BASEMAPS: each base map needs a name of its own")
        return sources

    def basemap_hosts(self) -> list[str]:
        """The tile servers the configured base maps reach; none: pages load nothing from elsewhere."""
        return list(dict.fromkeys(h for source in self.basemaps for h in source.tile_hosts()))

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure if self.cookie_secure is not None else self.environment != "development"

    @property
    def base_url(self) -> str:
        """The base of absolute links, without a trailing slash."""
        return (self.public_url or DEVELOPMENT_URL).rstrip("/")

    @property
    def effective_database_url(self) -> str:
        """The service's database: DATABASE_URL, else the embedded cluster as its app role."""
        if self.database_url:
            return _async_url(self.database_url)
        from app.cluster import APP_ROLE

        return self.embedded_cluster().url(self.cluster_database, APP_ROLE)

    @property
    def effective_migration_url(self) -> str:
        """Where `hazardmap migrate` connects: the owner of the schema."""
        if self.migration_database_url:
            return _async_url(self.migration_database_url)
        if self.database_url:
            return _async_url(self.database_url)
        from app.cluster import OWNER_ROLE

        return self.embedded_cluster().url(self.cluster_database, OWNER_ROLE)

    def embedded_cluster(self) -> Cluster:
        from app.cluster import Cluster

        return Cluster(path=self.cluster_dir, port=self.cluster_port, os_user=self.cluster_os_user)


def _async_url(url: str) -> str:
    """Accept the URL spellings people paste (postgres://, postgresql://) and use asyncpg."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
