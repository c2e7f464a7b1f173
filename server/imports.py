"""Mapping files in and out of the database (used by the CLI and the UI)."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from server.mapping.spec import MappingDocument, endpoint_key
from server.store import queries


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What importing one document did."""

    key: str
    name: str
    token: str
    created: bool
    credentials_needing_secrets: list[str]


async def import_documents(documents: list[MappingDocument]) -> list[ImportResult]:
    """Create or update one endpoint per document (matched by endpoint key).

    Credentials a document declares are created without secrets when they do not exist
    yet; the result lists those that still need their secret values.
    """
    results = []
    for document in documents:
        key = endpoint_key(document.endpoint)
        endpoint_settings = msgspec.structs.replace(document.endpoint, key=key)
        stored = msgspec.structs.replace(document, endpoint=endpoint_settings)
        row, created = await queries.save_endpoint(
            key=key,
            name=document.endpoint.name,
            document=msgspec.to_builtins(stored),
            enabled=document.endpoint.enabled,
        )
        needing = await _declare_credentials(document)
        results.append(ImportResult(key, document.endpoint.name, row.token, created, needing))
    return results


async def _declare_credentials(document: MappingDocument) -> list[str]:
    needing = []
    for name, declared in document.credentials.items():
        existing = await queries.credential_with_secret(name)
        if existing is None:
            options = {"name": declared.name} if declared.name else {}
            await queries.save_credential(name, declared.type, options, {})
            needing.append(name)
        elif not existing.secret:
            needing.append(name)
    return needing


async def export_documents(keys: list[str] | None = None) -> list[MappingDocument]:
    """The stored documents (all, or those with ``keys``), ordered by key."""
    rows = await queries.list_endpoints()
    chosen = [row for row in rows if keys is None or row.key in keys]
    if keys is not None:
        missing = sorted(set(keys) - {row.key for row in chosen})
        if missing:
            raise LookupError(f"no endpoint with key {', '.join(missing)}")
    chosen.sort(key=lambda row: row.key)
    return [msgspec.convert(row.document, MappingDocument) for row in chosen]
