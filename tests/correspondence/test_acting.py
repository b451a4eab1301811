"""Acting on letters: reply, forward, tracking (lacak surat), the human history, the sender
shown as OPD and signer, the clerk's receipt, copies acknowledged and no longer blocking the
filing, and the bulk actions."""

from __future__ import annotations

import ast
import datetime as dt
import pathlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_fsm import TransitionNotAllowed

from archive.selectors import record_for_source
from correspondence import services as svc
from correspondence import tracking
from correspondence.choices import DeliveryState, LetterState
from correspondence.history import SENTENCES, TRANSITION_ACTIONS, history_lines
from correspondence.models import AddressBookEntry, Delivery, Disposition, Letter
from federation.choices import ReceiptKind
from tests.archive.helpers import archive_setup
from tests.conftest import client_for
from workflows.selectors import transition_log_for

from ..factories import PASSWORD
from .helpers import PDF, delivery_to, draft, sent, through_review

ROOT = pathlib.Path(__file__).resolve().parents[2]
LOGGING_CALLS = {"transition_record", "transition_run", "transition_save", "transition_log_many"}


# --- the history in words -------------------------------------------------------------------
@pytest.mark.parametrize("model", [Letter, Delivery, Disposition])
def test_every_transition_of_the_state_machines_has_a_sentence(model):
    # GIVEN every transition django-fsm knows on the model
    transitions = model._meta.get_field("state").get_all_transitions(model)
    names = {t.name for t in transitions}
    assert names  # the walk found the machine
    for name in names:
        # THEN the history knows what it logs, and has a sentence for it
        actions = TRANSITION_ACTIONS.get((model._meta.model_name, name))
        assert actions, f"{model.__name__}.{name} has no action in history.TRANSITION_ACTIONS"
        for action in actions:
            assert action in SENTENCES, action


def _logged_actions() -> set[str]:
    """Every action code the services log, read from their source: the constants given as
    `action=` to the audit helpers (and to `_log`), f-strings expanded by their choices."""
    found: set[str] = set()
    for app in ("correspondence", "federation", "intake"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Assign) and any(
                    getattr(t, "id", "") == "action" for t in node.targets
                ):  # action = "letter.signed" if last else "letter.cosigned"
                    node = ast.Call(ast.Name("_log"), [ast.Name("_"), node.value], [])
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                values = [k.value for k in node.keywords if k.arg == "action"]
                if name == "_log" and len(node.args) >= 2:
                    values.append(node.args[1])
                if name not in LOGGING_CALLS | {"_log"}:
                    continue
                for value in values:
                    parts = set()
                    for sub in ast.walk(value):
                        if isinstance(sub, ast.JoinedStr):  # f"letter.peer_{kind}"
                            parts |= {id(p) for p in sub.values}
                            prefix = "".join(
                                p.value for p in sub.values if isinstance(p, ast.Constant)
                            )
                            found |= {f"{prefix}{k}" for k in ReceiptKind.values}
                        elif (
                            isinstance(sub, ast.Constant)
                            and isinstance(sub.value, str)
                            and id(sub) not in parts
                        ):
                            found.add(sub.value)
    return {a for a in found if a.split(".")[0] in {"letter", "delivery", "disposition"}}


def test_every_logged_action_has_a_sentence():
    actions = _logged_actions()
    assert {"letter.signed", "delivery.read", "letter.peer_read", "letter.emailed"} <= actions
    assert sorted(actions - set(SENTENCES)) == []


def test_the_history_names_the_signer_and_their_post(world):
    letter = sent(world)
    lines = history_lines(transition_log_for(letter))
    signed = next(line for line in lines if line.action == "letter.signed")
    assert world.head.display_name in signed.text
    assert "Kepala Dinas Kominfo" in signed.text
    assert "letter.signed" not in signed.text


def test_the_letter_page_shows_the_history_in_words(world):
    letter = sent(world)
    page = client_for(world.drafter).get(reverse("correspondence:letter", args=[letter.pk]))
    html = page.content.decode()
    assert 'data-action="letter.signed"' in html
    assert "(approved → signed)" not in html and "approved" not in html.split('id="timeline"')[1]


# --- the sender as OPD and signer ---------------------------------------------------------------
def test_inbox_and_letter_show_the_opd_and_the_signer(world):
    letter = sent(world)  # drafted in Seksi Aptika, signed by the head of Kominfo
    expected = "Dinas Komunikasi dan Informatika — Ir. Budi Hasibuan, M.M., Kepala Dinas Kominfo"
    client = client_for(world.bappeda_head)
    inbox = client.get(reverse("correspondence:inbox")).content.decode()
    assert expected in inbox and "Seksi Aplikasi" not in inbox
    page = client.get(reverse("correspondence:letter", args=[letter.pk])).content.decode()
    assert expected in page


# --- the agendaris's receipt ------------------------------------------------------------------
def test_the_clerk_who_opens_first_is_the_receiver(world):
    letter = sent(world)
    svc.letter_opened(letter=letter, by=world.bappeda_clerk)
    svc.letter_opened(letter=letter, by=world.bappeda_head)
    d = delivery_to(letter, world, "bappeda")
    assert d.state == DeliveryState.READ and d.first_read_by == world.bappeda_clerk


# --- copies (tembusan) --------------------------------------------------------------------------
def test_a_copy_does_not_keep_the_letter_from_filing(world, django_capture_on_commit_callbacks):
    archive_setup(world)
    letter = sent(world, to=("bappeda",), cc=("dinkes",), classification_code="000.1")
    svc.letter_opened(letter=letter, by=world.bappeda_head)
    with django_capture_on_commit_callbacks(execute=True):
        svc.delivery_finish(delivery=delivery_to(letter, world, "bappeda"), by=world.bappeda_head)
    assert record_for_source(letter) is not None
    assert delivery_to(letter, world, "dinkes").state == DeliveryState.DELIVERED


def test_a_copy_is_acknowledged_once_by_its_reader(world, django_capture_on_commit_callbacks):
    letter = sent(world, to=("bappeda",), cc=("dinkes",))
    copy = delivery_to(letter, world, "dinkes")
    with pytest.raises(PermissionDenied):  # not Bappeda's copy
        svc.delivery_acknowledge(delivery=copy, by=world.bappeda_head)
    with pytest.raises(TransitionNotAllowed):  # a "to" delivery is closed by finishing
        svc.delivery_acknowledge(
            delivery=delivery_to(letter, world, "bappeda"), by=world.bappeda_head
        )
    with django_capture_on_commit_callbacks(execute=True):
        svc.delivery_acknowledge(delivery=copy, by=world.dinkes_head)
    copy.refresh_from_db()
    assert copy.state == DeliveryState.DONE and copy.first_read_by == world.dinkes_head
    with pytest.raises(TransitionNotAllowed):
        svc.delivery_acknowledge(delivery=copy, by=world.dinkes_head)


# --- reply ----------------------------------------------------------------------------------------
def test_reply_starts_a_linked_draft_to_the_sender(world):
    letter = sent(world)
    reply = svc.letter_reply_start(letter=letter, by=world.bappeda_head)
    assert reply.state == LetterState.DRAFT and reply.reply_to == letter
    assert reply.drafter == world.bappeda_head and reply.unit == world.units["bappeda"]
    assert [(r.kind, r.unit) for r in reply.recipients.all()] == [("to", world.units["kominfo"])]
    assert letter.number in reply.body and letter.subject in reply.body


@pytest.mark.parametrize(
    ("who", "status"),
    [("bappeda_head", 302), ("bappeda_clerk", 302), ("outsider", 404), ("foreigner", 404)],
)
def test_who_may_reply(world, who, status):
    letter = sent(world)
    user = world.users[who]
    response = client_for(user).post(reverse("correspondence:reply", args=[letter.pk]))
    assert response.status_code == status
    made = Letter.objects.filter(reply_to=letter, drafter=user).exists()
    assert made is (status == 302)


def test_a_reply_to_mail_from_off_the_platform_goes_to_its_address_book_entry(world):
    incoming = svc.incoming_register(
        unit=world.units["bappeda"],
        by=world.bappeda_clerk,
        sender_name="PT Pos Indonesia",
        sender_number="12/POS/2026",
        subject="Penawaran layanan",
        received_date=svc.tenant_today(world.tenant) - dt.timedelta(days=1),
        scan=SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
    ).letter
    with pytest.raises(ValidationError):  # not in the address book yet
        svc.letter_reply_start(letter=incoming, by=world.bappeda_head)
    entry = AddressBookEntry.objects.create(tenant=world.tenant, name="PT Pos Indonesia")
    reply = svc.letter_reply_start(letter=incoming, by=world.bappeda_head)
    assert [r.address for r in reply.recipients.all()] == [entry]
    assert reply.letter_type.code == "surat_dinas" and "12/POS/2026" in reply.body


def test_the_sender_cannot_reply_to_its_own_letter(world):
    letter = sent(world)
    with pytest.raises(PermissionDenied):
        svc.letter_reply_start(letter=letter, by=world.drafter)


# --- forward --------------------------------------------------------------------------------------
def test_forward_delivers_a_marked_copy_and_is_in_the_history(world):
    letter = sent(world)
    rows = svc.letter_forward(
        letter=letter,
        by=world.bappeda_head,
        units=[world.units["dinkes"], world.units["t_kominfo"]],  # the foreign unit is dropped
        note="Mohon ditindaklanjuti",
    )
    assert [(d.unit, d.kind) for d in rows] == [(world.units["dinkes"], "cc")]
    copy = rows[0]
    assert copy.forwarded_by == world.bappeda_head and copy.forward_note == "Mohon ditindaklanjuti"
    assert copy.forwarded_from == delivery_to(letter, world, "bappeda")
    assert Letter.objects.visible_to(world.dinkes_head).filter(pk=letter.pk).exists()
    log = [r for r in transition_log_for(letter) if r.action == "letter.forwarded"]
    assert len(log) == 1 and "Mohon ditindaklanjuti" in log[0].note
    page = client_for(world.dinkes_head).get(reverse("correspondence:letter", args=[letter.pk]))
    assert 'data-testid="forwarded-notice"' in page.content.decode()
    with pytest.raises(ValidationError):  # Dinkes has it already
        svc.letter_forward(letter=letter, by=world.bappeda_head, units=[world.units["dinkes"]])


@pytest.mark.parametrize(
    ("who", "security", "status"),
    [
        ("bappeda_head", "biasa", 200),
        ("bappeda_clerk", "biasa", 200),
        ("drafter", "biasa", 404),  # the sender side has nothing received to forward
        ("outsider", "biasa", 404),
        ("foreigner", "biasa", 404),
        ("bappeda_head", "rahasia", 404),  # a confidential letter is not passed on
    ],
)
def test_who_may_forward(world, who, security, status):
    letter = sent(world, security=security)
    url = reverse("correspondence:forward", args=[letter.pk])
    assert client_for(world.users[who]).get(url).status_code == status


# --- tracking -------------------------------------------------------------------------------------
def test_the_sender_tracks_receipt_disposition_report_and_done(world):
    letter = sent(world, to=("bappeda", "dinkes"))
    svc.letter_opened(letter=letter, by=world.bappeda_clerk)
    d = delivery_to(letter, world, "bappeda")
    (disp,) = svc.disposition_create(
        delivery=d,
        by=world.bappeda_head,
        to_positions=[world.positions["perencana"]],
        instructions=["pelajari"],
        note="",
    )
    svc.disposition_report(disposition=disp, by=world.bappeda_staff, text="Sudah dipelajari")
    svc.delivery_finish(delivery=d, by=world.bappeda_head)
    rows = {r.delivery.unit_id: r for r in tracking.letter_tracking(world.drafter, letter)}
    bappeda = rows[world.units["bappeda"].pk]
    assert bappeda.reader == world.bappeda_clerk and bappeda.delivery.state == DeliveryState.DONE
    assert [x.to_position for _depth, x in bappeda.steps] == [world.positions["perencana"]]
    assert bappeda.reports == 1
    assert rows[world.units["dinkes"].pk].delivery.first_read_at is None
    page = client_for(world.drafter).get(reverse("correspondence:letter", args=[letter.pk]))
    assert 'data-testid="tracking"' in page.content.decode()


@pytest.mark.parametrize(
    ("who", "sees"),
    [("drafter", True), ("head", True), ("bappeda_head", False), ("outsider", False)],
)
def test_who_tracks(world, who, sees):
    letter = sent(world)
    assert bool(tracking.letter_tracking(world.users[who], letter)) is sees


def test_a_confidential_delivery_keeps_its_dispositions_from_the_sender(world):
    letter = sent(world, security="rahasia")
    d = delivery_to(letter, world, "bappeda")
    svc.letter_opened(letter=letter, by=world.bappeda_head)
    svc.disposition_create(
        delivery=d,
        by=world.bappeda_head,
        to_positions=[world.positions["perencana"]],
        instructions=["pelajari"],
        note="",
    )
    (row,) = tracking.letter_tracking(world.drafter, letter)
    assert row.hidden and row.steps == [] and row.delivery.state == DeliveryState.IN_PROGRESS


# --- bulk actions -------------------------------------------------------------------------------
def test_bulk_mark_read_and_close_touch_only_the_users_deliveries(world):
    a, b = sent(world, to=("bappeda",), cc=("dinkes",)), sent(world, to=("bappeda",))
    mine = [delivery_to(a, world, "bappeda").pk, delivery_to(b, world, "bappeda").pk]
    theirs = delivery_to(a, world, "dinkes").pk
    client = client_for(world.bappeda_head)
    inbox = client.get(reverse("correspondence:inbox")).content.decode()
    assert 'data-testid="inbox-bulk"' in inbox and inbox.count('data-testid="inbox-select"') == 2
    ids = [*map(str, mine), str(theirs), "999999999", "x"]
    for _twice in range(2):  # a double submit changes nothing more
        client.post(reverse("correspondence:inbox-bulk", args=["read"]), {"ids": ids})
    states = dict(Delivery.objects.filter(pk__in=[*mine, theirs]).values_list("pk", "state"))
    assert [states[pk] for pk in mine] == [DeliveryState.READ, DeliveryState.READ]
    assert states[theirs] == DeliveryState.DELIVERED
    outcomes = svc.deliveries_close(by=world.bappeda_head, ids=[*mine, theirs])
    assert [(o.item.pk, o.result) for o in outcomes] == [(mine[0], "done"), (mine[1], "done")]
    assert svc.deliveries_close(by=world.bappeda_head, ids=mine)[0].result == "skipped"
    # Dinkes closes its copy in bulk: an acknowledgment
    (copy,) = svc.deliveries_close(by=world.dinkes_head, ids=[theirs])
    assert copy.result == "done" and Delivery.objects.get(pk=theirs).state == DeliveryState.DONE


def _awaiting_signature(world, n: int) -> list[Letter]:
    return [through_review(world, draft(world, subject=f"Surat {i}")) for i in range(n)]


def test_sign_several_with_one_passphrase(world):
    letters = _awaiting_signature(world, 2)
    other = draft(world, subject="Masih konsep")  # nothing to sign yet
    ids = [*(x.pk for x in letters), other.pk]
    # a wrong passphrase: the first fails, the rest are not tried, nothing is signed
    outcomes = svc.letters_sign_many(by=world.head, ids=ids, passphrase="salah", second_factor=True)
    assert [o.result for o in outcomes][:2] == ["failed", "not_tried"]
    assert not Letter.objects.filter(pk__in=ids, state=LetterState.SIGNED).exists()
    # the right one signs each letter waiting for the head, and passes over the other
    outcomes = svc.letters_sign_many(
        by=world.head, ids=ids, passphrase=PASSWORD, second_factor=True
    )
    result = {o.item.pk: o.result for o in outcomes}
    assert [result[x.pk] for x in letters] == ["done", "done"]
    assert result.get(other.pk, "skipped") == "skipped"
    assert set(
        Letter.objects.filter(pk__in=ids, state=LetterState.SIGNED).values_list("pk", flat=True)
    ) == {x.pk for x in letters}
    # submitted again: nothing more to sign
    again = svc.letters_sign_many(by=world.head, ids=ids, passphrase=PASSWORD, second_factor=True)
    assert {o.result for o in again} <= {"skipped"}


def test_sign_several_page_without_a_second_factor_signs_nothing(world):
    letters = _awaiting_signature(world, 2)
    client = client_for(world.head, verified=False)
    client.post(
        reverse("correspondence:sign-many"),
        {"ids": [x.pk for x in letters], "password": PASSWORD},
    )
    assert not Letter.objects.filter(
        pk__in=[x.pk for x in letters], state=LetterState.SIGNED
    ).exists()


@pytest.mark.parametrize(
    ("who", "status", "closed"),
    [
        ("dinkes_head", 302, True),
        ("bappeda_head", 404, False),  # not their copy: as if it did not exist
        ("drafter", 404, False),
        ("foreigner", 404, False),
    ],
)
def test_who_may_acknowledge_a_copy(world, who, status, closed):
    letter = sent(world, to=("bappeda",), cc=("dinkes",))
    copy = delivery_to(letter, world, "dinkes")
    url = reverse("correspondence:delivery-acknowledge", args=[copy.pk])
    assert client_for(world.users[who]).post(url).status_code == status
    copy.refresh_from_db()
    assert (copy.state == DeliveryState.DONE) is closed


def test_the_reply_draft_shows_its_reference(world):
    letter = sent(world)
    reply = svc.letter_reply_start(letter=letter, by=world.bappeda_head)
    page = client_for(world.bappeda_head).get(reverse("correspondence:letter", args=[reply.pk]))
    html = page.content.decode()
    assert 'data-testid="reply-to"' in html and letter.number in html


def test_sign_several_page_reports_each_letter(world):
    letters = _awaiting_signature(world, 2)
    client = client_for(world.head)
    awaiting = client.get(reverse("correspondence:awaiting")).content.decode()
    assert 'data-testid="sign-many"' in awaiting and awaiting.count('name="ids"') == 2
    page = client.post(
        reverse("correspondence:sign-many"),
        {"ids": [x.pk for x in letters], "password": PASSWORD},
    )
    html = page.content.decode()
    assert html.count('data-result="done"') == 2
    assert Letter.objects.filter(pk__in=[x.pk for x in letters], state="signed").count() == 2
