from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from server.store.ids import uuid7
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Credential",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True),
                ),
                ("name", fields.CharField(unique=True, max_length=200)),
                ("type", fields.CharField(max_length=32)),
                (
                    "options",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("secret", fields.TextField(unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "credential",
                "app": "switchboard",
                "pk_attr": "id",
                "table_description": "Secrets the actions use, sealed",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Endpoint",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True),
                ),
                ("key", fields.CharField(unique=True, max_length=100)),
                ("name", fields.CharField(max_length=200)),
                ("token", fields.CharField(unique=True, max_length=64)),
                ("enabled", fields.BooleanField(default=True)),
                (
                    "document",
                    fields.JSONField(
                        encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("revision", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "endpoint",
                "app": "switchboard",
                "pk_attr": "id",
                "table_description": "Listeners and their mapping documents",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Event",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True),
                ),
                (
                    "endpoint",
                    fields.ForeignKeyField(
                        "switchboard.Endpoint",
                        source_field="endpoint_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="events",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("received_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("method", fields.CharField(max_length=16)),
                ("content_type", fields.TextField(unique=False)),
                ("query_string", fields.TextField(unique=False)),
                ("raw_body", fields.BinaryField()),
                (
                    "payload",
                    fields.JSONField(
                        encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("body_format", fields.CharField(max_length=32)),
                ("transactionid", fields.CharField(null=True, max_length=255)),
                ("dedupe_key", fields.CharField(null=True, max_length=255)),
                ("payload_hash", fields.CharField(max_length=64)),
                (
                    "flags",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("duplicate_of", fields.UUIDField(null=True)),
                ("status", fields.CharField(default="received", max_length=16)),
                ("answer_status", fields.IntField(null=True)),
                (
                    "answer_body",
                    fields.JSONField(
                        null=True,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "completed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "event",
                "app": "switchboard",
                "indexes": [
                    Index(
                        fields=["endpoint_id", "received_at"], name="event_endpoint_received_idx"
                    ),
                    Index(fields=["endpoint_id", "dedupe_key"], name="event_endpoint_dedupe_idx"),
                    Index(fields=["endpoint_id", "transactionid"], name="event_endpoint_txn_idx"),
                ],
                "pk_attr": "id",
                "table_description": "Inbound requests and their answers",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Attempt",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True),
                ),
                (
                    "event",
                    fields.ForeignKeyField(
                        "switchboard.Event",
                        source_field="event_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="attempts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("action_index", fields.IntField()),
                ("action_name", fields.CharField(max_length=200)),
                ("attempt_no", fields.IntField()),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("duration_ms", fields.FloatField()),
                ("outcome", fields.CharField(max_length=16)),
                (
                    "request",
                    fields.JSONField(
                        null=True,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("response_status", fields.IntField(null=True)),
                (
                    "response_headers",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("response_body", fields.TextField(null=True, unique=False)),
                ("error", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "attempt",
                "app": "switchboard",
                "pk_attr": "id",
                "table_description": "Tries of an event's actions",
            },
            bases=["Model"],
        ),
    ]
