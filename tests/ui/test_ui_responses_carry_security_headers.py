"""Every response carries the security headers; no page needs inline script or style."""

from __future__ import annotations

import re

import httpx
import pytest
from ui_support import CreateEndpoint

from server.web.security import CONTENT_SECURITY_POLICY

PAGES = ["/", "/endpoints/new", "/endpoints/newsletter", "/endpoints/newsletter/sample"]
OTHERS = ["/static/app.css", "/static/vendor/htmx-2.0.11.min.js", "/healthz", "/hooks/unknown"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)


@pytest.mark.parametrize("path", PAGES + OTHERS)
async def test_every_response_carries_the_security_headers(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, path: str
) -> None:
    await create_endpoint("Newsletter")
    response = await client.get(path)
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


def test_the_policy_allows_no_inline_script_or_style() -> None:
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("path", PAGES)
async def test_pages_hold_no_inline_script_style_or_handlers(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint, path: str
) -> None:
    await create_endpoint("Newsletter")
    html = (await client.get(path)).text
    assert "<script" in html  # the check below looks at real tags
    assert INLINE_SCRIPT.findall(html) == []
    assert INLINE_STYLE.findall(html) == []
