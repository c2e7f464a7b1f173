"""Credential and endpoint names are text from anywhere: shown as text, reachable by their URL."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import unquote

import httpx
import pytest
from credentials_support import post_form
from markupsafe import escape
from ui_support import CreateEndpoint

from server.store import queries
from server.web.credentials import name_from_segment, name_segment

pytestmark = pytest.mark.postgres

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
# Names a URL path would otherwise split, fold away, decode twice or read as another page.
AWKWARD = ["a/b", "a/delete", "100%", "%2F", "x?y#z", "new", "..", ".", "two words", "é&<>\"'"]


async def test_hostile_credential_and_endpoint_names_are_escaped_everywhere(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint(
        HOSTILE,
        endpoint={"name": HOSTILE, "key": "hostile"},
        credentials={HOSTILE: {"type": "header", "name": "X-Key"}},
        actions=[
            {"name": HOSTILE, "request": {"url": "https://crm.example/c", "credential": HOSTILE}}
        ],
    )
    url = f"/credentials/{name_segment(HOSTILE)}"
    pages = [
        await client.get("/credentials"),
        await client.get(url),
        await post_form(client, f"{url}/delete"),
        await post_form(client, url, value=""),
        await post_form(client, "/credentials", name=HOSTILE, type="bearer", token="t"),
    ]
    for page in pages:
        assert page.status_code in (200, 422), page.text
        assert "<script>alert" not in page.text
        assert ESCAPED in page.text
    assert f"There is already a credential called “{ESCAPED}”" in pages[-1].text
    unknown = await client.get(f"/credentials/{name_segment(HOSTILE + '!')}")
    assert unknown.status_code == 404
    assert f"There is no credential called “{ESCAPED}!”" in unknown.text
    assert "<script>alert" not in unknown.text


@pytest.mark.parametrize("name", AWKWARD)
def test_a_name_survives_its_trip_through_a_url_segment(name: str) -> None:
    segment = name_segment(name)
    assert "/" not in segment
    assert segment not in ("new", ".", "..")
    # The server decodes the path once before routing; the handler decodes the rest.
    assert name_from_segment(unquote(segment)) == name


@pytest.mark.parametrize("name", AWKWARD)
async def test_a_credential_with_an_awkward_name_can_be_shown_replaced_and_deleted(
    client: httpx.AsyncClient, name: str
) -> None:
    created = await post_form(client, "/credentials", name=name, type="bearer", token="one")
    assert created.status_code == 303
    listed = await client.get("/credentials")
    links = re.findall(r'<th scope="row" data-label="Name"><a href="([^"]+)">', listed.text)
    [show_url] = [unescape(link) for link in links]

    shown = await client.get(show_url)
    assert shown.status_code == 200
    assert f"<h1>{escape(name)}</h1>" in shown.text
    replaced = await post_form(client, show_url, token="two")
    assert replaced.status_code == 303
    assert replaced.headers["location"] == show_url
    stored = await queries.credential_with_secret(name)
    assert stored is not None
    assert stored.secret == {"token": "two"}
    deleted = await post_form(client, f"{show_url}/delete", confirm="yes")
    assert deleted.status_code == 303
    assert await queries.credential_by_name(name) is None


@pytest.mark.parametrize("path", ["/credentials/a%00b", "/credentials/" + "x" * 201])
async def test_a_name_no_credential_can_have_is_not_found_without_asking_the_database(
    client: httpx.AsyncClient, path: str
) -> None:
    assert (await client.get(path)).status_code == 404
    assert (await post_form(client, path, token="t")).status_code == 404
