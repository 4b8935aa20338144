"""The navigation bar's administration links: base maps and webhooks, for administrators only."""

from __future__ import annotations

import re

import httpx

from tests.support.accounts import auth_headers


def _admin_links(html: str) -> list[tuple[str, str]]:
    nav = html[html.index('<nav class="hm-nav"') : html.index("</nav>")]
    return re.findall(r'<a class="hm-nav-wide" href="(/admin/[a-z]+)">([^<]+)</a>', nav)


async def test_administrators_get_the_base_maps_and_webhooks_links(client: httpx.AsyncClient) -> None:
    assert _admin_links((await client.get("/todo")).text) == [
        ("/admin/basemaps", "底图管理"),
        ("/admin/webhooks", "推送"),
    ]
    assert _admin_links((await client.get("/todo?lang=en")).text) == [
        ("/admin/basemaps", "Base maps"),
        ("/admin/webhooks", "Webhooks"),
    ]
    officer = await client.get("/todo", headers=auth_headers("county_officer"))
    assert officer.status_code == 200 and _admin_links(officer.text) == []
    assert "/admin/webhooks" not in officer.text
