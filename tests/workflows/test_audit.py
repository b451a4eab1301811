"""The transition log and the security log are hash chains that reveal edits and deletions."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from workflows.choices import DueStatus
from workflows.models import SecurityEvent, TransitionLog
from workflows.selectors import audit_verify, due_status, transition_log_for
from workflows.services import security_event_record, transition_log


@pytest.fixture
def chain(world):
    doc = world.positions["kadis_kominfo"]  # any model instance serves as a document
    for action, src, dst in [("submit", "draft", "in_review"), ("approve", "in_review", "ok")]:
        transition_log(
            doc,
            tenant_id=world.tenant.pk,
            action=action,
            source=src,
            target=dst,
            actor=world.drafter,
        )
    return doc


def test_intact_chain_verifies(chain):
    # GIVEN two transitions WHEN verified THEN no break and the command succeeds
    assert [r.action for r in transition_log_for(chain)] == ["submit", "approve"]
    assert audit_verify() == []
    call_command("verify_audit")


def test_edited_row_breaks_the_chain(chain):
    row = transition_log_for(chain).first()
    TransitionLog.objects.filter(pk=row.pk).update(note="rewritten later")
    breaks = audit_verify()
    assert [(b.row_id, "content" in b.reason) for b in breaks] == [(row.pk, True)]
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_deleted_row_breaks_the_chain(chain):
    first, second = transition_log_for(chain)
    TransitionLog.objects.filter(pk=first.pk).delete()
    breaks = audit_verify()
    assert breaks and breaks[0].row_id == second.pk


def test_security_events_chain_per_tenant(world):
    last_other = SecurityEvent.objects.filter(tenant=world.other_tenant).order_by("-id").first()
    a = security_event_record(kind="login", tenant_id=world.tenant.pk, user=world.drafter)
    b = security_event_record(kind="login", tenant_id=world.other_tenant.pk, user=world.foreigner)
    c = security_event_record(kind="export", tenant_id=world.tenant.pk, user=world.head)
    # each tenant has its own chain: b follows the other tenant's last row, c follows a
    assert c.prev_hash == a.hash
    assert b.prev_hash == (last_other.hash if last_other else "") != a.hash
    assert audit_verify() == []
    SecurityEvent.objects.filter(pk=a.pk).update(kind="logout")
    assert [x.row_id for x in audit_verify()] == [a.pk]


@pytest.mark.parametrize(
    ("due", "done", "expected"),
    [
        (None, False, DueStatus.NONE),
        (dt.date(2026, 11, 30), False, DueStatus.OK),
        (dt.date(2026, 11, 24), False, DueStatus.SOON),
        (dt.date(2026, 11, 22), False, DueStatus.SOON),
        (dt.date(2026, 11, 21), False, DueStatus.OVERDUE),
        (dt.date(2026, 11, 21), True, DueStatus.MET),
    ],
)
def test_due_status(due, done, expected):
    assert due_status(due, today=dt.date(2026, 11, 22), done=done) == expected


def test_a_moved_records_old_source_fits_the_log(world):
    # GIVEN a source naming a delivery past the first million ids (31+ characters)
    doc = world.positions["kadis_kominfo"]
    source = "correspondence.delivery:1234567890"
    # WHEN it is logged THEN it is kept whole and the chain still verifies
    row = transition_log(
        doc, tenant_id=world.tenant.pk, action="record.source_moved", source=source
    )
    row.refresh_from_db()
    assert row.source == source
    assert audit_verify() == []


def test_the_hash_covers_exactly_the_fields_the_chains_were_written_with(world):
    """Rows written by earlier releases must verify: the covered fields and their forms (ids,
    ISO times) are pinned here, written out as the first release hashed them."""
    from workflows.hashing import security_fields, transition_fields

    letter_row = transition_log(
        world.tenant,
        tenant_id=world.tenant.pk,
        action="x",
        source="a",
        target="b",
        actor=world.drafter,
        note="n",
    )
    assert transition_fields(letter_row) == {
        "tenant": world.tenant.pk,
        "content_type": letter_row.content_type_id,
        "object_id": world.tenant.pk,
        "action": "x",
        "source": "a",
        "target": "b",
        "actor": world.drafter.pk,
        "acting_position": None,
        "on_behalf_of": None,
        "note": "n",
        "created_at": letter_row.created_at.isoformat(),
    }
    event = security_event_record(
        kind="login",
        tenant_id=world.tenant.pk,
        user=world.drafter,
        target=world.drafter,
        detail={"k": 1},
        ip_address="10.0.0.1",
        user_agent="ua",
    )
    assert security_fields(event) == {
        "tenant": world.tenant.pk,
        "kind": "login",
        "user": world.drafter.pk,
        "content_type": event.content_type_id,
        "object_id": world.drafter.pk,
        "detail": {"k": 1},
        "ip_address": "10.0.0.1",
        "user_agent": "ua",
        "created_at": event.created_at.isoformat(),
    }
