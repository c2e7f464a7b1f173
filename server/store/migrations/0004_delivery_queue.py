# Written after `tortoise makemigrations -n delivery_queue`, then formatted. Do not edit an
# applied migration. Existing events get tries 0 and no due time: finished events stay
# finished; events left "received" by an earlier release are not retried automatically (replay
# them from the Deliveries page).
# ruff: noqa: RUF012
from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("switchboard", "0003_endpoint_sample")]

    initial = False

    operations = [
        # Nullable so that it can be added to a table with rows (tortoise puts no DEFAULT in
        # the column); the rows an earlier release wrote get 0 just below.
        ops.AddField(model_name="Event", name="tries", field=fields.IntField(null=True, default=0)),
        ops.RunSQL("UPDATE event SET tries = 0 WHERE tries IS NULL"),
        ops.AddField(
            model_name="Event", name="next_attempt_at", field=fields.DatetimeField(null=True)
        ),
        ops.AddField(
            model_name="Event",
            name="lease_owner",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(model_name="Event", name="lease_until", field=fields.DatetimeField(null=True)),
        ops.AddIndex(
            model_name="Event",
            index=Index(fields=["next_attempt_at"], name="event_due_idx"),
        ),
        ops.AddIndex(
            model_name="Event",
            index=Index(
                fields=["endpoint_id", "contact_email", "id"], name="event_contact_order_idx"
            ),
        ),
        ops.AddIndex(
            model_name="Event",
            index=Index(fields=["status", "received_at", "id"], name="event_status_received_idx"),
        ),
    ]
