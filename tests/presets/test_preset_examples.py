"""Every preset in mappings/ sends exactly the requests its examples expect, and answers their keys.

One table drives it: the cases of every data file in tests/presets/examples/. Each case runs
its preset end to end (compile, condition, build, credential, send, extract) against a
loopback fake of the provider, then compares what the fake received, the keys the platform
would be answered with, and the action that failed, if any.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from preset_examples import MAPPINGS, Case, all_cases, example_payload, preset_files, received
from preset_fakes import FAKES
from preset_runner import PresetRun, run_preset
from support.target import Target

from server.mapping.compile import compile_document
from server.mapping.files import load_documents

CASES = all_cases()


def failure_of(run: PresetRun, expected: dict[str, Any] | None) -> dict[str, Any] | None:
    """The run's failure in the example's shape; ``mentions`` checks a word of its error."""
    if run.failure is None:
        return None
    found = {"action": run.failure.action, "status": run.failure.status}
    if expected is not None and "mentions" in expected:
        error = run.failure.error or ""
        found["mentions"] = expected["mentions"] if expected["mentions"] in error else error
    return found


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_preset_sends_the_expected_requests_and_answers_its_keys(
    case: Case, target: Target, session: aiohttp.ClientSession
) -> None:
    fake = FAKES[case.fake](**case.fake_options)
    target.default(fake.answer)
    text = (MAPPINGS / case.preset).read_text(encoding="utf-8")
    (document,) = load_documents(text, filename=case.preset)
    endpoint = compile_document(document)

    run = await run_preset(
        endpoint,
        example_payload(case.input),
        session=session,
        base_url=target.url,
        secrets=case.secrets,
    )

    got = target.requests
    assert [received(r, e) for r, e in zip(got, case.requests, strict=False)] == case.requests
    assert len(got) == len(case.requests)
    assert run.keys == case.keys
    assert failure_of(run, case.fails) == case.fails
    if run.failure is not None:
        assert run.failure.keys_from_error_answer == {}


def test_every_preset_has_an_example_file() -> None:
    presets = {path.name for path in preset_files()}
    with_examples = {case.preset for case in CASES}
    assert presets, "mappings/ holds no preset"
    assert presets == with_examples


def test_every_preset_has_a_case_that_succeeds_and_one_that_fails() -> None:
    for preset in {case.preset for case in CASES}:
        outcomes = {case.fails is None for case in CASES if case.preset == preset}
        assert outcomes == {True, False}, preset
