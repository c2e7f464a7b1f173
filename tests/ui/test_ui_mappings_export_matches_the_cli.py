"""Downloads are exactly what ``switchboard export`` writes, and never hold a secret."""

from __future__ import annotations

import httpx
import pytest
from mappings_support import cli_export
from ui_support import CreateEndpoint

from server.settings import Settings
from server.store import queries

pytestmark = pytest.mark.postgres

CRM = {
    "credentials": {"crm": {"type": "bearer"}},
    "actions": [
        {
            "name": "upsert contact",
            "request": {"url": "https://crm.example.com/contacts", "credential": "crm"},
            "fields": {"email": {"from": "$.body.contact.email", "transform": ["trim", "lower"]}},
            "response": {"crm_id": "$.id"},
        }
    ],
}
SECRET = "tok-s3cret-never-exported"


async def test_one_endpoint_downloads_as_its_own_file_equal_to_the_cli_export(
    client: httpx.AsyncClient, settings: Settings, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("CRM contacts", **CRM)
    await create_endpoint("Newsletter")

    response = await client.get("/endpoints/crm-contacts/export")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/yaml"
    assert response.headers["content-disposition"] == 'attachment; filename="crm-contacts.yaml"'
    assert response.content == await cli_export(settings, "crm-contacts")
    assert b"key: crm-contacts" in response.content
    assert b"Newsletter" not in response.content


async def test_download_all_is_every_endpoint_in_one_file_equal_to_the_cli_export(
    client: httpx.AsyncClient, settings: Settings, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("CRM contacts", **CRM)
    await create_endpoint("Newsletter")

    response = await client.get("/mappings/export")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/yaml"
    assert "attachment" in response.headers["content-disposition"]
    assert response.content == await cli_export(settings)
    assert response.content.count(b"switchboard: 1") == 2


async def test_a_credential_with_its_secret_set_is_exported_by_name_only(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("CRM contacts", **CRM)
    await queries.save_credential("crm", "bearer", {}, {"token": SECRET})

    one = await client.get("/endpoints/crm-contacts/export")
    every = await client.get("/mappings/export")

    for download in (one, every):
        assert b"credential: crm" in download.content
        assert SECRET.encode() not in download.content


async def test_the_pages_link_to_the_downloads(
    client: httpx.AsyncClient, create_endpoint: CreateEndpoint
) -> None:
    await create_endpoint("CRM contacts", **CRM)

    endpoint_page = (await client.get("/endpoints/crm-contacts")).text
    mappings_page = (await client.get("/mappings")).text

    assert 'href="/endpoints/crm-contacts/export" download>Download mapping file' in endpoint_page
    assert 'href="/mappings/export" download>Download all (1 endpoint)' in mappings_page
    assert 'href="/endpoints/crm-contacts/export" download>CRM contacts' in mappings_page


async def test_an_unknown_endpoint_has_no_download(client: httpx.AsyncClient) -> None:
    assert (await client.get("/endpoints/nothing-here/export")).status_code == 404
