"""Payload values come from the internet: every page shows them as text, never as markup."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
from ui_support import CreateEndpoint

HOSTILE = "<script>alert(1)</script>"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def test_hostile_values_and_names_show_escaped_on_the_endpoint_page(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    listener = await create_endpoint("Hostile")
    body = urlencode(
        {
            "contact[email]": HOSTILE,
            "fields[0][name]": '<img src=x onerror="alert(2)">',
            "fields[0][value]": HOSTILE,
            f"{HOSTILE}[x]": '"><b>bold</b>',
        }
    )
    assert (await client.post(listener, content=body, headers=FORM)).status_code == 200

    for path in ("/endpoints/hostile", "/endpoints/hostile/sample"):
        html = (await client.get(path, headers={"HX-Request": "true"})).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html
        assert "&#34;&gt;&lt;b&gt;bold&lt;/b&gt;" in html
        assert "<script>alert" not in html
        assert "<img" not in html
        assert "<b>bold" not in html


async def test_a_hostile_endpoint_name_shows_escaped_in_the_list(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint(HOSTILE)
    html = (await client.get("/")).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html
