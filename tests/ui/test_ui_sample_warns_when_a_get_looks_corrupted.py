"""A GET sample whose values look damaged by a sender that did not URL-encode them shows a
warning block naming each parameter; a properly encoded one, or a POST, shows none."""

from __future__ import annotations

import httpx
import pytest
from ui_support import CreateEndpoint, csrf_token

from server.samples import current_sample
from server.store import queries

pytestmark = pytest.mark.postgres

HEADING = "Some values look damaged on the way"
# What a platform sends for ?company=[#COMPANY#]&email=[#EMAIL#] without URL-encoding:
# "Acme & Co" and "jane+test@example.com" (its HTTP client encoded only the spaces).
CORRUPTED = "company=Acme%20&%20Co&email=jane+test@example.com"
ENCODED = "company=Acme+%26+Co&email=jane%2Btest%40example.com"
GET_AND_POST = {"name": "Leads", "methods": ["POST", "GET"]}


async def warnings_of(key: str) -> list[str]:
    endpoint = await queries.endpoint_by_key(key)
    assert endpoint is not None
    sample = await current_sample(endpoint)
    assert sample is not None
    return sample.warnings


async def test_a_corrupted_get_sample_shows_a_warning_per_parameter(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    listener = await create_endpoint("Leads", endpoint=GET_AND_POST)
    assert (await client.get(f"{listener}?{CORRUPTED}")).status_code == 200

    page = (await client.get("/endpoints/leads")).text

    assert f'<h3 id="sample-warnings-heading">{HEADING}</h3>' in page
    assert "The value of “company” looks cut at an “&amp;”: “ Co” arrived" in page
    assert "probably “jane+test@example.com”" in page
    assert page.count("URL-encode the placeholder") == 2
    warnings = await warnings_of("leads")
    assert len(warnings) == 2


async def test_a_properly_encoded_get_sample_shows_no_warning(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    listener = await create_endpoint("Leads", endpoint=GET_AND_POST)
    assert (await client.get(f"{listener}?{ENCODED}")).status_code == 200

    page = (await client.get("/endpoints/leads")).text

    assert "Acme &amp; Co" in page
    assert "jane+test@example.com" in page
    assert HEADING not in page
    assert await warnings_of("leads") == []


async def test_only_get_samples_are_checked(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    listener = await create_endpoint("Leads", endpoint=GET_AND_POST)
    body = b"contact[email]=a%40b.co"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert (await client.post(f"{listener}?{CORRUPTED}", content=body, headers=headers)).is_success

    assert HEADING not in (await client.get("/endpoints/leads")).text
    assert await warnings_of("leads") == []


async def test_a_pasted_get_sample_is_checked_too(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("Leads")
    data = {
        "_csrf_token": await csrf_token(client),
        "method": "GET",
        "content_type": "form",
        "text": "email=jane+test@example.com&phone=+1 415 555 0100",
    }

    response = await client.post(
        "/endpoints/leads/sample/paste", data=data, headers={"HX-Request": "true"}
    )

    assert HEADING in response.text
    assert "probably “+1 415 555 0100”" in response.text
    assert len(await warnings_of("leads")) == 2
