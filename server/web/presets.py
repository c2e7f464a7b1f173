"""The ready-made mappings of ``mappings/``, offered when a new endpoint is created."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import msgspec

from server.mapping.files import MappingFileError, load_documents
from server.mapping.spec import MappingDocument
from server.web.assets import asset_directory


@dataclass(frozen=True, slots=True)
class Preset:
    """One preset file: its file name (the form's value), what it is called and does."""

    file: str
    name: str
    description: str
    document: MappingDocument


@cache
def available_presets() -> tuple[Preset, ...]:
    """Every preset file holding exactly one valid endpoint, by file name.

    Read and validated once per process: the presets ship with Switchboard and do not change
    while it runs.
    """
    try:
        directory = asset_directory("mappings")
    except FileNotFoundError:
        return ()
    presets = [_read(path) for path in sorted(directory.glob("*.yaml"))]
    return tuple(preset for preset in presets if preset is not None)


def _read(path: Path) -> Preset | None:
    try:
        documents = load_documents(path.read_text(encoding="utf-8"), filename=path.name)
    except (OSError, UnicodeDecodeError, MappingFileError):
        return None
    if len(documents) != 1:
        return None
    [document] = documents
    endpoint = document.endpoint
    return Preset(path.name, endpoint.name, endpoint.description, document)


def named_document(name: str, preset: Preset | None) -> MappingDocument:
    """The document of a new endpoint called ``name``: the preset's, renamed, or a blank one.

    The preset's own key is dropped so the key comes from the new name: creating from a
    preset never updates an endpoint made earlier from the same preset.
    """
    if preset is None:
        return msgspec.convert({"switchboard": 1, "endpoint": {"name": name}}, MappingDocument)
    endpoint = msgspec.structs.replace(preset.document.endpoint, name=name, key=None)
    return msgspec.structs.replace(preset.document, endpoint=endpoint)
