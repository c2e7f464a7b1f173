"""The JSON webhook preset's commented-out response key works once uncommented, as it says."""

from __future__ import annotations

import aiohttp
from preset_examples import MAPPINGS, example_payload
from preset_fakes import WebhookFake
from preset_runner import run_preset
from support.target import Target

from server.mapping.compile import compile_document
from server.mapping.files import load_documents, validate_text

COMMENTED = "    # response:\n    #   record_id: $.id\n"
UNCOMMENTED = "    response:\n      record_id: $.id\n"


def uncommented_preset() -> str:
    text = (MAPPINGS / "json-webhook.yaml").read_text(encoding="utf-8")
    assert COMMENTED in text
    return text.replace(COMMENTED, UNCOMMENTED)


def test_the_uncommented_preset_is_valid() -> None:
    assert validate_text(uncommented_preset()) == []


async def test_the_platform_gets_the_webhooks_record_id(
    target: Target, session: aiohttp.ClientSession
) -> None:
    target.default(WebhookFake().answer)
    (document,) = load_documents(uncommented_preset())

    run = await run_preset(
        compile_document(document),
        example_payload({"sample": "platform-form-post.txt"}),
        session=session,
        base_url=target.url,
        secrets={},
    )

    assert run.failure is None
    assert run.keys == {"record_id": WebhookFake.RECEIPT_ID}
