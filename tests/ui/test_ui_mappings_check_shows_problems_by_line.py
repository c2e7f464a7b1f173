"""Checking a broken file lists every problem by line, in plain words, and imports nothing."""

from __future__ import annotations

import re

import httpx
import pytest
from mappings_support import check

from server.store import queries

pytestmark = pytest.mark.postgres

BROKEN = """\
switchboard: 1
endpoint:
  name: CRM contacts
actions:
  - name: create
    request:
      urll: https://crm.example.com/contacts
    fields:
      email: {from: $.body.contact.email, transform: [trim, lowr]}
"""


@pytest.mark.parametrize("htmx", [True, False])
async def test_each_problem_shows_its_line_its_message_and_the_line_itself(
    client: httpx.AsyncClient, htmx: bool
) -> None:
    response = await check(client, BROKEN, htmx=htmx)

    assert response.status_code == 422
    html = response.text
    assert ("<html" in html) is not htmx
    assert "2 problems to fix in pasted text" in html
    assert "<strong>line 6:</strong> &#39;url&#39; is required" in html
    assert "<strong>line 7:</strong> unknown setting &#39;urll&#39;" in html
    assert '<span class="line-number" aria-hidden="true">7</span><code>      urll: https' in html
    assert "Nothing was imported" in html
    assert re.search(r'<textarea id="text"[^>]*>\n[^<]*urll: https://crm', html)  # to correct
    assert 'id="apply-form"' not in html
    assert await queries.list_endpoints() == []


async def test_a_problem_found_later_also_names_its_line(client: httpx.AsyncClient) -> None:
    fixed_structure = BROKEN.replace("urll:", "url:")
    html = (await check(client, fixed_structure)).text
    assert "1 problem to fix" in html
    assert "<strong>line 9:</strong>" in html
    assert "lowr" in html


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("switchboard: 1\nendpoint: {name: a\n", "<strong>line 3:</strong> this is not valid YAML"),
        ("# only a comment\n", "<strong>the whole file:</strong> there is no endpoint here"),
        (
            "switchboard: 1\nendpoint:\n  name: Forms\n  key: new\n",
            "<strong>line 4:</strong> the endpoint key &#39;new&#39; is a word the pages use",
        ),
        ("", "Choose a mapping file, or paste one into the box."),
    ],
)
async def test_files_that_are_no_mapping_are_explained(
    client: httpx.AsyncClient, text: str, message: str
) -> None:
    response = await check(client, text)
    assert response.status_code == 422
    assert message in response.text
    assert await queries.list_endpoints() == []


async def test_an_uploaded_file_is_checked_and_shown_for_correcting(
    client: httpx.AsyncClient,
) -> None:
    response = await check(client, "ignored", file=("crm.yaml", BROKEN.encode()))
    assert "2 problems to fix in crm.yaml" in response.text
    assert re.search(r'<textarea id="text"[^>]*>\n[^<]*urll: https://crm', response.text)
    assert "ignored" not in response.text


async def test_a_file_that_is_not_utf8_is_refused_in_plain_words(
    client: httpx.AsyncClient,
) -> None:
    response = await check(client, file=("latin.yaml", "name: Café".encode("latin-1")))
    assert response.status_code == 422
    assert "“latin.yaml” is not UTF-8 text" in response.text


async def test_windows_line_ends_keep_the_line_numbers(client: httpx.AsyncClient) -> None:
    response = await check(client, file=("crm.yaml", BROKEN.replace("\n", "\r\n").encode()))
    assert "<strong>line 7:</strong> unknown setting" in response.text
