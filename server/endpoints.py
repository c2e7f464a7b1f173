"""Compiled endpoints and credentials, cached per process.

A mapping is compiled once per revision. Each cached entry is trusted for
``mapping_refresh_seconds``; after that the next request re-reads the endpoint's row (one
indexed query), so a change made by another process or by the CLI is seen within that time.
Changes made through this process are seen at once (:meth:`EndpointCache.forget`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import msgspec

from server.mapping.compile import CompiledEndpoint, compile_document
from server.mapping.credentials import Credential
from server.mapping.errors import MappingError
from server.mapping.spec import MappingDocument
from server.store import queries
from server.store.db import UNAVAILABLE_ERRORS
from server.store.errors import StoreUnavailable


@dataclass(frozen=True, slots=True)
class LiveEndpoint:
    """An endpoint as the listener uses it."""

    id: str
    token: str
    enabled: bool
    revision: int
    compiled: CompiledEndpoint


@dataclass(slots=True)
class _Entry:
    value: LiveEndpoint | None
    checked: float


def compile_stored(document: object) -> CompiledEndpoint:
    """Compile a document as stored (builtins); raise MappingError when it no longer compiles."""
    try:
        decoded = msgspec.convert(document, MappingDocument)
    except msgspec.ValidationError as error:
        raise MappingError(f"the stored mapping is not valid: {error}") from None
    return compile_document(decoded)


class EndpointCache:
    """Token -> compiled endpoint, and name -> credential, refreshed every few seconds."""

    def __init__(self, refresh_seconds: float) -> None:
        self.refresh_seconds = refresh_seconds
        self._by_token: dict[str, _Entry] = {}
        self._compiled: dict[tuple[str, int], CompiledEndpoint] = {}
        self._credentials: dict[str, tuple[Credential, float]] = {}

    async def by_token(self, token: str) -> LiveEndpoint | None:
        now = time.monotonic()
        entry = self._by_token.get(token)
        if entry is not None and now - entry.checked < self.refresh_seconds:
            return entry.value
        value = await self._load(token)
        self._by_token[token] = _Entry(value, now)
        return value

    async def by_endpoint_id(self, endpoint_id: str) -> LiveEndpoint | None:
        """The endpoint with this id, as fresh as :meth:`by_token` gives it (for replays)."""
        row = await queries.endpoint_by_id(endpoint_id)
        return None if row is None else await self.by_token(row.token)

    async def _load(self, token: str) -> LiveEndpoint | None:
        try:
            row = await queries.endpoint_by_token(token)
        except UNAVAILABLE_ERRORS as error:
            raise StoreUnavailable(f"The endpoint could not be read: {error}") from error
        if row is None:
            return None
        cache_key = (str(row.id), row.revision)
        compiled = self._compiled.get(cache_key)
        if compiled is None:
            compiled = compile_stored(row.document)
            self._compiled = {
                key: value for key, value in self._compiled.items() if key[0] != cache_key[0]
            }
            self._compiled[cache_key] = compiled
        return LiveEndpoint(str(row.id), row.token, row.enabled, row.revision, compiled)

    async def credential(self, name: str) -> Credential:
        now = time.monotonic()
        cached = self._credentials.get(name)
        if cached is not None and now - cached[1] < self.refresh_seconds:
            return cached[0]
        try:
            credential = await queries.credential_with_secret(name)
        except UNAVAILABLE_ERRORS as error:
            raise StoreUnavailable(f"The credential could not be read: {error}") from error
        if credential is None:
            raise MappingError(
                f"credential '{name}' does not exist yet: create it in Credentials "
                "(or with 'switchboard credential set')"
            )
        self._credentials[name] = (credential, now)
        return credential

    def forget(self) -> None:
        """Drop everything cached (after a change made in this process)."""
        self._by_token.clear()
        self._credentials.clear()


async def set_enabled(key: str, enabled: bool) -> bool:
    """Switch an endpoint on or off (in its document too, so exports carry it); found or not."""
    return await change_endpoint_settings(key, enabled=enabled)


async def change_endpoint_settings(key: str, **changes: Any) -> bool:
    """Change settings of its ``endpoint:`` section (methods, response…); found or not."""
    row = await queries.endpoint_by_key(key)
    if row is None:
        return False
    document = msgspec.convert(row.document, MappingDocument)
    changed = msgspec.structs.replace(
        document, endpoint=msgspec.structs.replace(document.endpoint, **changes)
    )
    enabled = changed.endpoint.enabled
    await queries.save_endpoint(key, row.name, msgspec.to_builtins(changed), enabled)
    return True
