"""Opening and saving any action of any preset in the builder changes nothing in its mapping.

This holds the editor's inputs and the form reader together: every setting a preset uses is
shown in an input and read back the same.
"""

from __future__ import annotations

import httpx
import msgspec
import pytest
from builder_support import editor_values
from ui_support import csrf_token

from server.imports import import_documents
from server.store import queries
from server.web.presets import available_presets

PRESETS = available_presets()


@pytest.mark.parametrize("preset", PRESETS, ids=[preset.file for preset in PRESETS])
async def test_saving_each_action_unchanged_keeps_the_document(
    client: httpx.AsyncClient, preset: object
) -> None:
    document = preset.document  # type: ignore[attr-defined]
    [result] = await import_documents([document])
    before = await queries.endpoint_by_key(result.key)
    assert before is not None
    token = await csrf_token(client)

    for number in range(1, len(document.actions) + 1):
        page = await client.get(f"/endpoints/{result.key}/actions/{number}")
        values = {**editor_values(page.text), "_csrf_token": token}
        saved = await client.post(f"/endpoints/{result.key}/actions/{number}", data=values)
        assert saved.status_code == 303, saved.text

    after = await queries.endpoint_by_key(result.key)
    assert after is not None
    assert after.revision == before.revision + len(document.actions)
    assert msgspec.json.encode(after.document) == msgspec.json.encode(before.document)
