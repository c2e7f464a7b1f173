"""Every preset in mappings/ validates cleanly and survives export -> import -> export unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from preset_examples import preset_files

from server.mapping.files import dump_documents, load_documents, validate_text

PRESETS = preset_files()


@pytest.mark.parametrize("path", PRESETS, ids=[path.name for path in PRESETS])
def test_preset_validates_without_a_single_issue(path: Path) -> None:
    assert validate_text(path.read_text(encoding="utf-8"), filename=path.name) == []


@pytest.mark.parametrize("path", PRESETS, ids=[path.name for path in PRESETS])
def test_preset_exports_the_same_bytes_after_a_round_trip(path: Path) -> None:
    exported = dump_documents(load_documents(path.read_text(encoding="utf-8")))
    assert dump_documents(load_documents(exported)) == exported


@pytest.mark.parametrize("path", PRESETS, ids=[path.name for path in PRESETS])
def test_preset_keeps_its_meaning_when_exported(path: Path) -> None:
    documents = load_documents(path.read_text(encoding="utf-8"))
    assert load_documents(dump_documents(documents)) == documents


@pytest.mark.parametrize("path", PRESETS, ids=[path.name for path in PRESETS])
def test_preset_key_is_its_file_name(path: Path) -> None:
    (document,) = load_documents(path.read_text(encoding="utf-8"))
    assert document.endpoint.key == path.stem
