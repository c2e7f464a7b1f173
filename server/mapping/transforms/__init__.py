"""Value transforms: the small, named steps a mapping rule runs on a value.

A rule's ``transform`` list (``[trim, lower]``, ``[{phone: {region: US}}, digits, sha256]``) is
compiled once, when the mapping is loaded: names and arguments are checked then, so a typo is a
load error with a line number rather than a failed delivery at three in the morning. What comes
out is a plain callable that the engine runs on every event.

Rules every transform follows (docs/transforms.md states them for users):

- None (a value missing from the payload) passes through unchanged; only ``default`` replaces it.
- A list (a JSONPath that matched several values) is transformed item by item, except by the
  list transforms (``first``, ``join``, ``split``) and ``default``.
- An object (a group of fields) is not a value: transforms refuse it.
- Conversions (``date``, ``number``, ``integer``, ``boolean``, ``phone``, ``country_code``) read
  blank text as missing: an empty form field is not an error.
- A value that cannot be transformed raises :class:`TransformError`, naming the transform, the
  value and the reason; no other exception escapes a compiled transform.

The modules: :mod:`.registry` (the table and compiling steps), :mod:`.values` and
:mod:`.arguments` (what every transform shares), then one module per kind of transform.
"""

from __future__ import annotations

from server.mapping.transforms.registry import (
    TransformInfo,
    available_transforms,
    compile_chain,
    compile_transform,
    filter_step,
)
from server.mapping.transforms.values import MAX_TEXT, Transform, TransformError

# Importing a kind of transform registers it; the order here is the order available_transforms()
# lists them in, so keep it as it is.
# isort: off
from server.mapping.transforms import text, lists, conversions, dates, countries, lookups  # noqa: F401
# isort: on

__all__ = [
    "MAX_TEXT",
    "Transform",
    "TransformError",
    "TransformInfo",
    "available_transforms",
    "compile_chain",
    "compile_transform",
    "filter_step",
]
