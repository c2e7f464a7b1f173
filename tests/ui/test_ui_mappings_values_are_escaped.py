"""A mapping file is text from anywhere: its values show as text, never as markup."""

from __future__ import annotations

import httpx
import pytest
from mappings_support import apply, check, checked_text

pytestmark = pytest.mark.postgres

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
VALID = f"""\
switchboard: 1
endpoint:
  name: "{HOSTILE}"
  key: hostile
  description: '"><img src=x onerror=alert(2)>'
credentials:
  "{HOSTILE}":
    type: bearer
actions:
  - name: "{HOSTILE}"
    request:
      url: https://crm.example.com/contacts
      credential: "{HOSTILE}"
"""
INVALID = f"""\
switchboard: 1
endpoint:
  name: Fine
  "{HOSTILE}": 1
"""


def assert_no_markup_from_the_file(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img" not in html


async def test_names_in_the_summary_and_the_results_are_escaped(
    client: httpx.AsyncClient,
) -> None:
    checked = await check(client, VALID, htmx=True)
    assert checked.status_code == 200
    assert f"create the new endpoint “{ESCAPED}”" in checked.text
    assert f"“{ESCAPED}” does not exist yet" in checked.text
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in checked.text  # the hidden field
    assert_no_markup_from_the_file(checked.text)
    assert checked_text(checked.text) == VALID

    applied = await apply(client, checked.text, htmx=True)
    assert applied.status_code == 200
    assert f"Credential “{ESCAPED}” needs its secret" in applied.text
    assert_no_markup_from_the_file(applied.text)


async def test_problems_and_quoted_lines_are_escaped(client: httpx.AsyncClient) -> None:
    response = await check(client, INVALID, htmx=True)
    assert response.status_code == 422
    assert f"unknown setting &#39;{ESCAPED}&#39;" in response.text
    assert f'<code>  "{ESCAPED}": 1</code>'.replace('"', "&#34;") in response.text
    assert_no_markup_from_the_file(response.text)


async def test_a_hostile_file_name_is_escaped(client: httpx.AsyncClient) -> None:
    response = await check(client, file=(f"{HOSTILE}.yaml", INVALID.encode()))
    assert f"to fix in {ESCAPED}.yaml" in response.text
    assert_no_markup_from_the_file(response.text)
