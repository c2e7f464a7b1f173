"""A mapping file is at most 1 MB: a bigger one is refused with a sentence, not a crash."""

from __future__ import annotations

import httpx
import pytest
from mappings_support import check

from server.store import queries
from server.web.mappings import MAX_FILE_BYTES, MAX_FORM_BYTES

pytestmark = pytest.mark.postgres

TOO_LARGE = "The file is too large: a mapping file can be at most 1 MB."


def padded(size: int) -> bytes:
    """A valid mapping file of exactly ``size`` bytes (a long comment makes up the size)."""
    head = b"switchboard: 1\nendpoint: {name: Big}\n# "
    return head + b"x" * (size - len(head) - 1) + b"\n"


async def test_a_file_of_exactly_the_limit_is_checked(client: httpx.AsyncClient) -> None:
    response = await check(client, file=("big.yaml", padded(MAX_FILE_BYTES)))
    assert response.status_code == 200
    assert "create the new endpoint “Big”" in response.text


@pytest.mark.parametrize("htmx", [True, False])
async def test_a_file_past_the_limit_is_refused_beside_the_form(
    client: httpx.AsyncClient, htmx: bool
) -> None:
    response = await check(client, file=("big.yaml", padded(MAX_FILE_BYTES + 1)), htmx=htmx)
    assert response.status_code == 422
    assert TOO_LARGE in response.text
    assert 'id="import-form"' in response.text


async def test_pasted_text_past_the_limit_is_refused(client: httpx.AsyncClient) -> None:
    response = await check(client, padded(MAX_FILE_BYTES + 1).decode())
    assert response.status_code == 422
    assert TOO_LARGE in response.text


@pytest.mark.parametrize(("htmx", "status"), [(True, 422), (False, 413)])
async def test_a_form_too_large_to_read_is_refused_with_the_same_sentence(
    client: httpx.AsyncClient, htmx: bool, status: int
) -> None:
    response = await check(client, file=("huge.yaml", padded(MAX_FORM_BYTES + 1)), htmx=htmx)
    assert response.status_code == status
    assert TOO_LARGE in response.text
    if htmx:  # in place of the form, which can be sent again
        assert 'id="import-form"' in response.text
        assert 'name="_csrf_token" value=""' not in response.text
    else:  # a page that leads back to the form
        assert 'href="/mappings">Back to import / export' in response.text
    assert await queries.list_endpoints() == []
