"""The Credentials pages work under the strict policy: no inline script, style or handlers."""

from __future__ import annotations

import re

import httpx
import pytest
from credentials_support import post_form
from ui_support import CreateEndpoint

from server.store import queries
from server.web.security import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.postgres

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)


async def pages(client: httpx.AsyncClient) -> list[httpx.Response]:
    return [
        await client.get("/credentials"),
        await client.get("/credentials/new"),
        await client.get("/credentials/crm"),
        await post_form(client, "/credentials/crm/delete"),
        await post_form(client, "/credentials", name="crm", type="bearer", token=""),
    ]


async def test_each_page_is_whole_and_holds_no_inline_code(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await queries.save_credential("crm", "bearer", {}, {"token": "t"})
    await create_endpoint("Leads", credentials={"crm": {"type": "bearer"}})
    for response in await pages(client):
        assert response.status_code in (200, 422)
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "<script" in response.text  # the checks below look at real tags
        assert INLINE_SCRIPT.findall(response.text) == []
        assert INLINE_STYLE.findall(response.text) == []
        assert response.text.rstrip().endswith("</html>")


@pytest.mark.parametrize(
    ("path", "partial"),
    [
        ("/credentials", '<div id="credential-table">'),
        ("/credentials/new", '<form id="new-credential"'),
        ("/credentials/crm", '<section id="replace"'),
    ],
)
async def test_htmx_gets_the_partial_and_a_browser_the_page(
    client: httpx.AsyncClient, path: str, partial: str
) -> None:
    await queries.save_credential("crm", "bearer", {}, {"token": "t"})
    page = await client.get(path)
    fragment = await client.get(path, headers={"HX-Request": "true"})
    assert page.text.startswith("<!doctype html>")
    assert partial in page.text
    assert fragment.text.lstrip().startswith(partial)
    assert page.headers["vary"] == fragment.headers["vary"] == "HX-Request"
