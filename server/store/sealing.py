"""How credential secrets are kept at rest: the one place that turns them into stored text.

Today the sealed text is plain JSON. Encryption at rest will replace these two functions
(and only these), so nothing else may read or write ``Credential.secret`` directly.
"""

from __future__ import annotations

import msgspec


def seal(values: dict[str, str]) -> str:
    """The stored form of a credential's secret values."""
    return msgspec.json.encode(values).decode()


def unseal(sealed: str) -> dict[str, str]:
    """The secret values back from their stored form."""
    values: dict[str, str] = msgspec.json.decode(sealed, type=dict[str, str])
    return values
