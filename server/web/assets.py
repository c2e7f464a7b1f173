"""Where the UI's files are: ``templates/``, ``static/`` and the ``mappings/`` presets.

In a source checkout they are top-level directories of the repository. An installed wheel
carries them inside the package, under ``server/web/`` (pyproject.toml maps them there), since
a non-editable install copies nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

AssetKind = Literal["templates", "static", "mappings"]

_PACKAGED = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGED.parent.parent


def asset_directory(kind: AssetKind) -> Path:
    """The directory holding ``kind``: the packaged copy when installed, else the checkout's."""
    for base in (_PACKAGED, _CHECKOUT):
        candidate = base / kind
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"Switchboard's {kind}/ directory is missing from this installation")
