"""Helpers the Credentials tests share: posting the forms as a browser or htmx would."""

from __future__ import annotations

import re

import httpx
from ui_support import csrf_token

# A password input with a value: a secret written back into the page.
SECRET_VALUE_ATTRIBUTE = re.compile(r'<input[^>]*type="password"[^>]*\bvalue=', re.S)


async def post_form(
    client: httpx.AsyncClient, path: str, htmx: bool = False, **fields: str | list[str]
) -> httpx.Response:
    """POST ``fields`` to ``path`` with a valid CSRF token, as a plain form or as htmx."""
    token = await csrf_token(client)
    headers = {"HX-Request": "true"} if htmx else {}
    return await client.post(path, data={**fields, "_csrf_token": token}, headers=headers)


def assert_no_secret_in(html: str, *secrets: str) -> None:
    """Neither the secret values nor any password input's value are in the page."""
    for secret in secrets:
        assert secret not in html
    assert SECRET_VALUE_ATTRIBUTE.search(html) is None
