"""The tables, as tortoise models: the schema, the migrations and every read come from here.

Ids are time-ordered UUIDs made by the application (:mod:`server.store.ids`), so the event
writer can insert rows without the database handing ids back. The writer
(:mod:`server.store.writer`) inserts events and attempts with raw SQL for speed; the column
names below are therefore also its contract.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from server.store.ids import uuid7

# Longest dedupe key and transactionid the store keeps; the writer bounds longer ones.
KEY_MAX_LENGTH = 255


class Endpoint(Model):
    """A listener URL (``/hooks/<token>``) and the mapping document it applies."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    key = fields.CharField(max_length=100, unique=True)
    name = fields.CharField(max_length=200)
    token = fields.CharField(max_length=64, unique=True)
    enabled = fields.BooleanField(default=True)
    # The mapping document as msgspec builtins (server.mapping.spec.MappingDocument); opaque here.
    document: fields.Field[dict[str, Any]] = fields.JSONField()
    revision = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    # The sample the UI builds from, when one is pinned (server.samples); null: the latest event.
    sample: fields.Field[dict[str, Any] | None] = fields.JSONField(null=True)

    class Meta:
        table = "endpoint"
        table_description = "Listeners and their mapping documents"


class Credential(Model):
    """A secret the actions refer to by name. ``secret`` is sealed text (see ``sealing.py``)."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    name = fields.CharField(max_length=200, unique=True)
    # bearer | header | query | basic (and oauth2 later): a plain string, not an enum column.
    type = fields.CharField(max_length=32)
    options: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    secret = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "credential"
        table_description = "Secrets the actions use, sealed"


class Event(Model):
    """One inbound request to a listener, as received, and how it was answered."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    endpoint: fields.ForeignKeyRelation[Endpoint] = fields.ForeignKeyField(
        "switchboard.Endpoint", related_name="events", on_delete=fields.CASCADE
    )
    endpoint_id: UUID  # the foreign key's column, set by tortoise
    received_at = fields.DatetimeField()
    method = fields.CharField(max_length=16)
    content_type = fields.TextField()
    query_string = fields.TextField()
    raw_body = fields.BinaryField()
    # {"query": {...}, "body": {...}}
    payload: fields.Field[dict[str, Any]] = fields.JSONField()
    body_format = fields.CharField(max_length=32)
    transactionid = fields.CharField(max_length=KEY_MAX_LENGTH, null=True)
    # The contact's email (body.contact.email, else query.email), lower-cased, for searching.
    contact_email = fields.CharField(max_length=KEY_MAX_LENGTH, null=True)
    dedupe_key = fields.CharField(max_length=KEY_MAX_LENGTH, null=True)
    # sha256 hex of method, content type, query string and raw body.
    payload_hash = fields.CharField(max_length=64)
    flags: fields.Field[list[str]] = fields.JSONField(default=list)
    # The earlier event this one repeats (not a foreign key: it is informational).
    duplicate_of = fields.UUIDField(null=True)
    # received (being delivered) | pending (waiting for a retry) | delivered | failed | duplicate
    status = fields.CharField(max_length=16, default="received")
    answer_status = fields.IntField(null=True)
    answer_body: fields.Field[Any] = fields.JSONField(null=True)
    completed_at = fields.DatetimeField(null=True)
    # The delivery queue (server/store/queue.py): rounds of delivery done so far, when the
    # next one is due (NULL: none), and which process holds the event until when.
    tries = fields.IntField(null=True, default=0)  # NULL only while migration 0004 runs
    next_attempt_at = fields.DatetimeField(null=True)
    lease_owner = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)

    attempts: fields.ReverseRelation[Attempt]

    class Meta:
        table = "event"
        table_description = "Inbound requests and their answers"
        indexes = (
            Index(fields=("endpoint_id", "received_at"), name="event_endpoint_received_idx"),
            # Serves the writer's "earliest earlier event with this key" lookup (ORDER BY id).
            Index(fields=("endpoint_id", "dedupe_key", "id"), name="event_endpoint_dedupe_idx"),
            # The deliveries log: every endpoint's events newest first, and its searches (the
            # transactionid index serves one endpoint's search too: few events share one id).
            Index(fields=("received_at", "id"), name="event_received_idx"),
            Index(fields=("contact_email",), name="event_contact_email_idx"),
            Index(fields=("transactionid",), name="event_txn_idx"),
            # The queue: events due for delivery, soonest first, and a contact's earlier events
            # of the same endpoint (which must be delivered first).
            Index(fields=("next_attempt_at",), name="event_due_idx"),
            Index(fields=("endpoint_id", "contact_email", "id"), name="event_contact_order_idx"),
            # The log filtered by status (few failed among many delivered), newest first.
            Index(fields=("status", "received_at", "id"), name="event_status_received_idx"),
        )


class Attempt(Model):
    """One try of one action of an event: the (redacted) request and what came back."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "switchboard.Event", related_name="attempts", on_delete=fields.CASCADE, db_index=True
    )
    action_index = fields.IntField()
    action_name = fields.CharField(max_length=200)
    attempt_no = fields.IntField()
    started_at = fields.DatetimeField()
    duration_ms = fields.FloatField()
    # success | failed | skipped
    outcome = fields.CharField(max_length=16)
    # OutboundRequest.redacted(): never holds a credential.
    request: fields.Field[dict[str, Any] | None] = fields.JSONField(null=True)
    response_status = fields.IntField(null=True)
    response_headers: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    response_body = fields.TextField(null=True)
    error = fields.TextField(null=True)

    class Meta:
        table = "attempt"
        table_description = "Tries of an event's actions"
