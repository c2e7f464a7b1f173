"""A paste that cannot be read is explained beside the text area, in plain words, with the
text kept; nothing is pinned. The listener's own limits apply."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from ui_support import CreateEndpoint, csrf_token

from server.mapping.payload import Limits
from server.samples import MAX_PASTED_BYTES
from server.settings import Settings
from server.store import queries

pytestmark = pytest.mark.postgres

HTMX = {"HX-Request": "true", "HX-Target": "sample-area"}
BODY_LIMIT = 64


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The UI's settings with a small body limit, as an operator may set it."""
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        mapping_refresh_seconds=0,
        retry_schedule=(),
        limits=Limits(max_body_bytes=BODY_LIMIT),
    )


async def paste(
    client: httpx.AsyncClient, headers: dict[str, str] | None = None, **fields: str
) -> httpx.Response:
    data = {"_csrf_token": await csrf_token(client), **fields}
    return await client.post("/endpoints/leads/sample/paste", data=data, headers=headers or {})


def error_beside_the_text(html: str) -> str:
    """The error line under the text area, which the text area names as its description."""
    assert 'aria-describedby="sample-text-error" aria-invalid="true" autofocus' in html
    found = re.search(r'<p id="sample-text-error" class="error">([^<]*)</p>', html)
    assert found is not None, html
    return found.group(1)


async def nothing_pinned() -> bool:
    endpoint = await queries.endpoint_by_key("leads")
    assert endpoint is not None
    return endpoint.sample is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"method": "POST", "content_type": "json", "text": '{"contact": '},
            "The body is labelled JSON but is not valid JSON",
        ),
        (
            {"method": "POST", "content_type": "json", "text": '["a list"]'},
            "The JSON body is an array, not an object.",
        ),
        (
            {"method": "POST", "content_type": "form", "text": "  \r\n "},
            "Paste the body your platform sends",
        ),
        ({"method": "GET", "content_type": "form", "text": "?"}, "Paste the query string"),
        (
            {"method": "POST", "content_type": "form", "text": "a=" + "x" * BODY_LIMIT},
            f"The body is larger than {BODY_LIMIT} bytes.",
        ),
    ],
)
async def test_an_unreadable_paste_is_explained_beside_the_text(
    client: httpx.AsyncClient,
    create_endpoint: CreateEndpoint,
    fields: dict[str, str],
    message: str,
) -> None:
    await create_endpoint("Leads")

    response = await paste(client, HTMX, **fields)

    assert response.status_code == 422
    assert message in error_beside_the_text(response.text)
    assert '<details class="sample-choose" open>' in response.text
    assert "Waiting for a sample" in response.text  # still waiting: nothing was pinned
    assert await nothing_pinned()


async def test_the_text_is_kept_to_correct_it(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Leads")

    response = await paste(client, HTMX, method="POST", content_type="json", text='{"a": <b>}')

    assert ">\n{&#34;a&#34;: &lt;b&gt;}</textarea>" in response.text
    assert '<input type="radio" name="content_type" value="json" checked>' in response.text


async def test_without_javascript_the_page_comes_back_with_the_error(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Leads")

    response = await paste(client, method="POST", content_type="json", text="{")

    assert response.status_code == 422
    assert "<h1>Leads</h1>" in response.text
    assert "not valid JSON" in error_beside_the_text(response.text)


async def test_a_choice_the_form_does_not_offer_is_refused(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Leads")

    response = await paste(client, HTMX, method="PUT", content_type="xml", text="a=1")

    assert response.status_code == 422
    assert '<p class="error">Choose POST or GET.</p>' in response.text
    assert '<p class="error">Choose form or JSON.</p>' in response.text
    assert await nothing_pinned()


async def test_a_paste_too_large_to_keep_is_refused(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Leads")

    response = await paste(
        client, HTMX, method="GET", content_type="form", text="a=" + "x" * MAX_PASTED_BYTES
    )

    assert response.status_code == 422
    assert "too much to keep as a sample" in error_beside_the_text(response.text)
    assert await nothing_pinned()


async def test_a_paste_too_large_to_read_keeps_the_form_as_it_is(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Leads")
    huge = "a=" + "%" * (3 * MAX_PASTED_BYTES)  # each % is sent as %25

    by_htmx = await paste(client, HTMX, method="POST", content_type="form", text=huge)
    by_form = await paste(client, method="POST", content_type="form", text=huge)

    assert by_htmx.status_code == 422
    assert by_htmx.headers["HX-Retarget"] == "#sample-text-error"
    assert by_htmx.headers["HX-Reswap"] == "outerHTML"
    assert "too much to keep as a sample" in by_htmx.text
    assert by_form.status_code == 413
    assert "too much to keep as a sample" in by_form.text
    assert await nothing_pinned()
