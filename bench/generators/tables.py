"""The tables the load generator fills and how rows get there: one COPY writer per table with
its columns in row order, id and sequence bookkeeping, and the reference check afterwards."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from correspondence.models import (
    Attachment,
    Delivery,
    Disposition,
    Letter,
    LetterUserObjectPermission,
    LetterVersion,
    NumberCounter,
    Recipient,
    ReviewStep,
)
from organizations.models import User
from workflows.models import TransitionLog

# Each batch's rows by name: the model and its fields in the order the row tuples lay them out.
# The batches are written in this order.
COLUMNS: dict[str, tuple[type, list[str]]] = {
    "letter": (
        Letter,
        [
            "id",
            "tenant",
            "letter_type",
            "subject",
            "summary",
            "body",
            "drafter",
            "unit",
            "signer_position",
            "classification_code",
            "security",
            "urgency",
            "state",
            "version",
            "review_round",
            "number",
            "number_seq",
            "number_unit",
            "number_year",
            "signing_mode",
            "signed_at",
            "signed_by",
            "signed_as",
            "sent_at",
            "retracted_at",
            "retract_reason",
            "pdf",
            "pdf_sha256",
            "sign_error",
            "event_location",
            "is_incoming",
            "sender_name",
            "sender_number",
            "created_at",
            "updated_at",
        ],
    ),
    "recipient": (Recipient, ["id", "letter", "kind", "scope", "unit", "order"]),
    "delivery": (
        Delivery,
        [
            "id",
            "tenant",
            "letter",
            "recipient",
            "unit",
            "position",
            "kind",
            "security",
            "urgency",
            "state",
            "agenda_year",
            "agenda_seq",
            "agenda_number",
            "delivered_at",
            "first_read_at",
            "first_read_by",
            "done_at",
        ],
    ),
    "disposition": (
        Disposition,
        [
            "id",
            "tenant",
            "delivery",
            "letter",
            "parent",
            "issued_by",
            "issued_as",
            "to_position",
            "instructions",
            "note",
            "due_date",
            "urgency",
            "security",
            "state",
            "created_at",
            "issued_at",
            "read_at",
            "read_by",
            "reported_at",
            "reported_by",
            "report_text",
            "report_file",
            "report_file_name",
        ],
    ),
    "step": (
        ReviewStep,
        [
            "letter",
            "round",
            "order",
            "kind",
            "position",
            "state",
            "reached_at",
            "acted_at",
            "acted_by",
            "note",
            "seen_version",
        ],
    ),
    "version": (
        LetterVersion,
        ["letter", "number", "subject", "summary", "body", "created_by", "created_at"],
    ),
    "attachment": (
        Attachment,
        [
            "letter",
            "kind",
            "file",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "created_at",
        ],
    ),
    "grant": (LetterUserObjectPermission, ["user", "permission", "content_object"]),
    "log": (
        TransitionLog,
        [
            "tenant",
            "content_type",
            "object_id",
            "action",
            "source",
            "target",
            "actor",
            "acting_position",
            "on_behalf_of",
            "note",
            "created_at",
            "prev_hash",
            "hash",
        ],
    ),
}
# Tables whose foreign keys `orphan_references` checks.
REFERENCING = [
    Letter,
    Recipient,
    Delivery,
    Disposition,
    ReviewStep,
    LetterVersion,
    Attachment,
    LetterUserObjectPermission,
]
# Tables whose rows carry ids the generator chose (or bulk-created): their sequences move on.
SEQUENCED = [*REFERENCING, TransitionLog, NumberCounter, User]


class CopyWriter:
    """Stream rows into one model's table: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self, model, fields: list[str]):
        meta = model._meta
        self.table = meta.db_table
        self.columns = [meta.get_field(f).column for f in fields]

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        table = connection.ops.quote_name(self.table)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)


def writers() -> dict[str, CopyWriter]:
    """A writer per batch name in `COLUMNS`, in its order."""
    return {name: CopyWriter(model, fields) for name, (model, fields) in COLUMNS.items()}


def next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def reset_sequences(models: Iterable) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {connection.ops.quote_name(table)}), 1))",
                [table],
            )


def skip_triggers() -> None:
    """As a superuser on PostgreSQL, skip the per-row foreign-key triggers for this
    transaction (the generator only writes ids it made or read); the row count is the
    same, the load several times faster. `orphan_references` checks the references afterwards."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")


def orphan_references() -> dict[str, int]:
    """Rows whose foreign keys point nowhere, per table and column (all zero expected)."""
    if connection.vendor != "postgresql":
        return {}
    orphans = {}
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in REFERENCING:
            for field in model._meta.concrete_fields:
                if not field.is_relation:
                    continue
                target = field.related_model._meta
                cursor.execute(
                    f"SELECT COUNT(*) FROM {qn(model._meta.db_table)} t "
                    f"WHERE t.{qn(field.column)} IS NOT NULL AND NOT EXISTS "
                    f"(SELECT 1 FROM {qn(target.db_table)} r "
                    f"WHERE r.{qn(target.pk.column)} = t.{qn(field.column)})"
                )
                orphans[f"{model._meta.db_table}.{field.column}"] = cursor.fetchone()[0]
    return orphans
