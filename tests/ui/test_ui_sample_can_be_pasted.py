"""A pasted body (or GET query string) becomes the endpoint's sample, read exactly as the
listener would read it; nothing is delivered and no event is recorded."""

from __future__ import annotations

import html

import httpx
import pytest
from support.target import Target
from ui_support import CreateEndpoint, csrf_token

from server.samples import Sample, current_sample
from server.store import queries
from server.store.models import Endpoint

pytestmark = pytest.mark.postgres

HTMX = {"HX-Request": "true", "HX-Target": "sample-area"}
FORM_BODY = "contact[email]=jane%40example.com&fields[0][name]=Company&fields[0][value]=Acme+%26+Co"
SAMPLE_KEYS = {
    "source",
    "event_id",
    "method",
    "content_type",
    "query_string",
    "raw_body",
    "payload",
    "pinned_at",
    "received_at",
}


async def paste(
    client: httpx.AsyncClient, key: str, headers: dict[str, str] | None = None, **fields: str
) -> httpx.Response:
    data = {"_csrf_token": await csrf_token(client), **fields}
    return await client.post(f"/endpoints/{key}/sample/paste", data=data, headers=headers or {})


async def endpoint(key: str) -> Endpoint:
    found = await queries.endpoint_by_key(key)
    assert found is not None
    return found


async def test_a_pasted_form_body_becomes_the_sample_and_nothing_is_sent(
    client: httpx.AsyncClient, target: Target, create_endpoint: CreateEndpoint
) -> None:
    target.route("POST", "/c", json={"id": "1"})
    action = {"name": "create", "request": {"url": f"{target.url}/c"}}
    await create_endpoint("Leads", actions=[action])

    response = await paste(
        client, "leads", HTMX, method="POST", content_type="form", text=f"\r\n{FORM_BODY}\r\n"
    )

    assert response.status_code == 200
    area = response.text
    assert area.lstrip().startswith('<div id="sample-area"')
    assert "<strong>Pasted sample</strong> (POST)" in area
    assert "<dt>Company</dt>" in area
    assert "Acme &amp; Co" in area
    assert 'hx-swap-oob="innerHTML">The pasted sample is in use.' in area
    assert "hx-trigger" not in area
    assert "Back to the latest event" not in area  # nothing has arrived to go back to
    assert "Stop using this sample" in area

    page = (await client.get("/endpoints/leads")).text
    assert "Pasted sample" in page
    assert "Waiting for a sample" not in page
    assert target.requests == []
    leads = await endpoint("leads")
    assert await queries.recent_events(str(leads.id)) == []


async def test_the_pasted_sample_is_what_the_builder_reads(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Leads")
    await paste(client, "leads", HTMX, method="POST", content_type="form", text=FORM_BODY)

    leads = await endpoint("leads")
    sample = await current_sample(leads)

    assert sample is not None
    assert sample == Sample(
        payload={
            "query": {},
            "body": {
                "contact": {"email": "jane@example.com"},
                "fields": [{"name": "Company", "value": "Acme & Co"}],
            },
        },
        source="pasted",
        received_at=None,
        event_id=None,
        method="POST",
        query_string="",
        warnings=[],
        pinned_at=sample.pinned_at,
    )
    assert leads.sample is not None
    assert set(leads.sample) == SAMPLE_KEYS
    assert leads.sample["raw_body"] == FORM_BODY
    assert leads.sample["content_type"] == "application/x-www-form-urlencoded"


async def test_a_pasted_json_body_without_javascript_goes_back_to_the_page(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Leads")
    body = '{"contact": {"email": "bo@example.com", "score": 7}}'

    response = await paste(client, "leads", method="POST", content_type="json", text=body)

    assert response.status_code == 303
    assert response.headers["location"] == "/endpoints/leads"
    page = (await client.get("/endpoints/leads")).text
    assert "Pasted sample" in page
    assert "bo@example.com" in page
    assert '<dd class="value">7</dd>' in page
    polled = await client.get("/endpoints/leads/sample", headers={"HX-Request": "true"})
    assert "Pasted sample" in polled.text
    assert "A sample arrived" not in polled.text  # only the platform's own sample is announced


async def test_a_pasted_get_url_keeps_only_its_query_string(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Leads")
    url = "https://switchboard.example/hooks/abc?email=jane%40example.com&utm_source=mail#top"

    response = await paste(client, "leads", HTMX, method="GET", content_type="json", text=url)

    assert "<strong>Pasted sample</strong> (GET)" in response.text
    assert "In the URL&#39;s query string" in response.text
    sample = await current_sample(await endpoint("leads"))
    assert sample is not None
    assert (sample.method, sample.query_string) == (
        "GET",
        "email=jane%40example.com&utm_source=mail",
    )
    assert sample.payload == {
        "query": {"email": "jane@example.com", "utm_source": "mail"},
        "body": {},
    }


async def test_names_are_read_with_the_endpoints_php_setting(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Plain")
    await create_endpoint("Ported", endpoint={"name": "Ported", "php_names": True})

    for key in ("plain", "ported"):
        await paste(client, key, HTMX, method="POST", content_type="form", text="utm.source=x")

    assert "<dt>utm.source</dt>" in (await client.get("/endpoints/plain")).text
    assert "<dt>utm_source</dt>" in (await client.get("/endpoints/ported")).text


async def test_the_form_shows_the_pasted_text_again_to_correct_it(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Leads")
    await paste(client, "leads", HTMX, method="GET", content_type="form", text="a=1&b=2")

    page = (await client.get("/endpoints/leads")).text

    assert ">\na=1&amp;b=2</textarea>" in page
    assert '<input type="radio" name="method" value="GET" checked>' in page


async def test_pasted_values_show_as_text_never_as_markup(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Leads")
    hostile = '{"<b>name</b>": "<script>alert(1)</script>", "x": "</textarea><img src=x>"}'

    response = await paste(client, "leads", HTMX, method="POST", content_type="json", text=hostile)

    area = response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in area
    assert "&lt;b&gt;name&lt;/b&gt;" in area
    assert html.escape("</textarea><img src=x>") in area
    assert "<script>alert" not in area
    assert "<img" not in area
    assert "<b>name" not in area
