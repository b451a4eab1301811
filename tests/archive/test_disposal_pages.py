"""The disposal and legal hold pages: the whole flow through HTTP (sweep, submit, two approvals
in order, execution, the berita acara), refusals and conflicts as messages that change nothing,
holds, who gets 200 / 302 / 404 on every route, and query counts that do not grow."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.choices import Decision, Fate, ProposalState, RecordState
from archive.models import DisposalApproval, DisposalItem, DisposalProposal, LegalHold, Record
from archive.services import disposal
from organizations.choices import RoleKind
from organizations.services import role_grant
from tests.conftest import client_for

from .disposal_helpers import OLD, approved, inactive, proposed
from .helpers import archive_setup, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    """GIVEN the Medan file plan, Dispusip as records unit and the head of Dispusip then the
    Sekda as disposal approvers."""
    archive_setup(world)
    return world


def page(user):
    """A logged-in client that reads the pages in English (the default is Indonesian)."""
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def post(client, url: str, data: dict | None = None):
    """POST as a page's form does, then open the page it sends back to, as a browser would.
    Returns the POST's response and the messages that page shows, as (level, text)."""
    r = client.post(url, data or {})
    shown = []
    if r.status_code == 302:
        shown = [(m.level_tag, str(m)) for m in client.get(r["Location"]).context["messages"]]
    return r, shown


def levels(shown) -> list[str]:
    return [level for level, _text in shown]


def act(pk: int, action: str) -> str:
    return reverse("archive:proposal-action", args=[pk, action])


def state_of(proposal) -> str:
    return DisposalProposal.objects.get(pk=proposal.pk).state


# --- the whole flow ---


def test_sweep_submit_approve_in_order_execute(setup, django_capture_on_commit_callbacks):
    """One proposal's whole way through the pages, sweep to berita acara, in one test (over
    60 lines): each step starts from the state the one before left, which is what it checks."""
    w = setup
    approver1, approver2 = w.users["dispusip_head"], w.sekda
    # GIVEN a record of 2015 whose retention ended (000.1: destroy)
    old = record(w, title="Laporan kegiatan 2015", document_date=OLD)
    archivist = page(w.archivist)

    # WHEN the archivist runs the sweep from the list
    r, shown = post(archivist, reverse("archive:disposal-sweep"))
    # THEN one draft proposal holds the record and the counts are reported
    assert r.status_code == 302 and r["Location"] == reverse("archive:proposals")
    [(level, text)] = shown
    assert level == "success" and "1 records became inactive" in text and "1 proposed" in text
    proposal = DisposalProposal.objects.get(tenant=w.tenant)
    assert proposal.state == ProposalState.DRAFT
    listing = archivist.get(reverse("archive:proposals")).content.decode()
    assert reverse("archive:proposal", args=[proposal.pk]) in listing

    # AND its page shows the record and the draft's buttons, no approval buttons
    html = archivist.get(reverse("archive:proposal", args=[proposal.pk])).content.decode()
    assert old.title in html and 'data-testid="submit"' in html
    assert 'data-testid="item-remove"' in html and 'data-testid="approve"' not in html

    # WHEN the archivist submits
    r = post(archivist, act(proposal.pk, "submit"))[0]
    assert r.status_code == 302 and state_of(proposal) == ProposalState.PENDING

    # WHEN the Sekda (second step) tries to approve first
    sekda = page(approver2)
    assert (
        'data-testid="approve"'
        not in sekda.get(reverse("archive:proposal", args=[proposal.pk])).content.decode()
    )
    r, shown = post(sekda, act(proposal.pk, "approve"))
    # THEN it is refused with a message and nothing changes
    assert r.status_code == 302 and shown == [("error", "You may not do that.")]
    assert state_of(proposal) == ProposalState.PENDING
    assert not DisposalApproval.objects.filter(proposal=proposal).exclude(decision="").exists()

    # WHEN the head of Dispusip approves, then the Sekda
    head = page(approver1)
    assert (
        'data-testid="approve"'
        in head.get(reverse("archive:proposal", args=[proposal.pk])).content.decode()
    )
    assert head.post(act(proposal.pk, "approve"), {"note": "Setuju"}).status_code == 302
    assert state_of(proposal) == ProposalState.PENDING
    assert sekda.post(act(proposal.pk, "approve")).status_code == 302
    # THEN it is approved, both steps named on the page
    assert state_of(proposal) == ProposalState.APPROVED
    html = archivist.get(reverse("archive:proposal", args=[proposal.pk])).content.decode()
    assert approver1.display_name in html and approver2.display_name in html
    assert 'data-testid="execute"' in html

    # WHEN the archivist carries it out
    with django_capture_on_commit_callbacks(execute=True):
        r, shown = post(archivist, act(proposal.pk, "execute"))
    assert r.status_code == 302 and levels(shown) == ["success"]
    proposal = DisposalProposal.objects.get(pk=proposal.pk)
    assert proposal.state == ProposalState.EXECUTED
    assert Record.objects.get(pk=old.pk).state == RecordState.DESTROYED

    # THEN the page links the berita acara record and its PDF
    html = archivist.get(reverse("archive:proposal", args=[proposal.pk])).content.decode()
    report_file = proposal.report.files.get()
    assert reverse("archive:record", args=[proposal.report_id]) in html
    file_url = reverse("archive:record-file", args=[proposal.report_id, report_file.pk])
    assert file_url in html
    pdf = archivist.get(file_url)
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    # AND the history shows the whole way
    actions = [
        "proposal.submitted",
        "proposal.step_approved",
        "proposal.approved",
        "proposal.executed",
    ]
    assert all(a in html for a in actions)


def test_a_reject_without_a_note_is_refused_and_changes_nothing(setup):
    w = setup
    proposal = proposed(w, inactive(w))
    disposal.proposal_submit(proposal=proposal, by=w.archivist)
    head = page(w.users["dispusip_head"])
    # WHEN the first approver rejects with a blank note
    r, shown = post(head, act(proposal.pk, "reject"), {"note": "   "})
    # THEN a message asks why; the proposal and its step are untouched
    assert r.status_code == 302 and shown == [("error", "Say why the proposal is rejected.")]
    assert state_of(proposal) == ProposalState.PENDING
    assert list(proposal.approvals.values_list("decision", flat=True)) == ["", ""]
    # WHEN with a reason THEN it is rejected
    head.post(act(proposal.pk, "reject"), {"note": "Masih dipakai untuk audit"})
    assert state_of(proposal) == ProposalState.REJECTED


def test_a_second_execute_is_a_conflict_and_changes_nothing(setup):
    w = setup
    r1 = inactive(w)
    proposal = approved(w, proposed(w, r1))
    archivist = page(w.archivist)
    assert levels(post(archivist, act(proposal.pk, "execute"))[1]) == ["success"]
    done = DisposalProposal.objects.get(pk=proposal.pk)
    reports = Record.objects.filter(classification__code="000.5").count()
    # WHEN the button is pressed again
    again, shown = post(archivist, act(proposal.pk, "execute"))
    # THEN a conflict message, and no second berita acara
    assert again.status_code == 302 and levels(shown) == ["warning"]
    assert "already moved on" in shown[0][1]
    after = DisposalProposal.objects.get(pk=proposal.pk)
    assert (after.state, after.executed_at, after.report_id) == (
        done.state,
        done.executed_at,
        done.report_id,
    )
    assert Record.objects.filter(classification__code="000.5").count() == reports


def test_a_second_approval_click_is_a_conflict(setup):
    w = setup
    proposal = proposed(w, inactive(w))
    disposal.proposal_submit(proposal=proposal, by=w.archivist)
    head = page(w.users["dispusip_head"])
    assert levels(post(head, act(proposal.pk, "approve"))[1]) == ["success"]
    assert levels(post(head, act(proposal.pk, "approve"))[1]) == ["warning"]
    assert list(proposal.approvals.order_by("step").values_list("decision", flat=True)) == [
        Decision.APPROVED,
        "",
    ]


def test_draft_items_can_be_decided_kept_longer_or_taken_out(setup):
    w = setup
    a, b, c = (inactive(w, title=f"Berkas {n}") for n in "abc")
    proposal = proposed(w, a, b, c)
    items = {i.record_id: i for i in proposal.items.all()}
    archivist = page(w.archivist)
    # WHEN one is made permanent, one kept 5 years more, one taken out
    post(archivist, act(proposal.pk, "item-decide"), {"item": items[a.pk].pk, "fate": "permanent"})
    post(archivist, act(proposal.pk, "item-keep"), {"item": items[b.pk].pk, "years": "5"})
    post(archivist, act(proposal.pk, "item-remove"), {"item": items[c.pk].pk})
    # THEN only the first stays, as permanent; the second is kept longer
    assert list(proposal.items.values_list("record_id", "action")) == [(a.pk, Fate.PERMANENT)]
    assert Record.objects.get(pk=b.pk).inactive_until.year == b.inactive_until.year + 5
    # WHEN the removal is sent again THEN a conflict, nothing else
    _r, shown = post(archivist, act(proposal.pk, "item-remove"), {"item": items[c.pk].pk})
    assert levels(shown) == ["warning"]
    # WHEN years is not a number THEN an error message
    _r, shown = post(
        archivist, act(proposal.pk, "item-keep"), {"item": items[a.pk].pk, "years": "x"}
    )
    assert levels(shown) == ["error"]
    assert proposal.items.count() == 1
    # WHEN the proposal has been sent THEN its items cannot change
    post(archivist, act(proposal.pk, "submit"))
    _r, shown = post(archivist, act(proposal.pk, "item-remove"), {"item": items[a.pk].pk})
    assert levels(shown) == ["warning"] and proposal.items.count() == 1


def test_an_unknown_action_is_404(setup):
    proposal = proposed(setup, inactive(setup))
    assert page(setup.archivist).post(act(proposal.pk, "explode")).status_code == 404
    assert page(setup.archivist).get(act(proposal.pk, "submit")).status_code == 405


# --- legal holds ---


def test_a_hold_keeps_its_record_out_of_disposal_until_released(setup):
    w = setup
    held = record(w, title="Berkas perkara", document_date=OLD, number="000.1/77/2015")
    free = record(w, title="Berkas biasa", document_date=OLD)
    archivist = page(w.archivist)
    # WHEN the archivist places a hold naming the record by its number
    r = archivist.post(
        reverse("archive:hold-new"),
        {"title": "Perkara PTUN 12/2026", "reason": "Gugatan", "records": "000.1/77/2015\n"},
    )
    hold = LegalHold.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("archive:hold", args=[hold.pk])
    assert list(hold.records.all()) == [held]
    html = archivist.get(r["Location"]).content.decode()
    assert held.title in html and 'data-testid="release"' in html

    # WHEN the sweep runs THEN only the free record is proposed, and the held one counted
    _r, shown = post(archivist, reverse("archive:disposal-sweep"))
    assert "1 kept back by a legal hold" in shown[0][1]
    proposal = DisposalProposal.objects.get(tenant=w.tenant)
    assert list(proposal.items.values_list("record_id", flat=True)) == [free.pk]

    # WHEN the free record is put under the hold after approval (added on the hold's page)
    approved(w, proposal)
    r = archivist.post(reverse("archive:hold", args=[hold.pk]), {"records": f"#{free.pk}"})
    assert r.status_code == 302 and hold.records.count() == 2
    html = archivist.get(reverse("archive:proposal", args=[proposal.pk])).content.decode()
    assert 'data-testid="item-held"' in html
    # AND the proposal is carried out THEN the record is skipped, not destroyed
    _r, shown = post(archivist, act(proposal.pk, "execute"))
    assert levels(shown) == ["success", "warning"]
    assert Record.objects.get(pk=free.pk).state == RecordState.INACTIVE
    assert DisposalProposal.objects.get(pk=proposal.pk).report is None

    # WHEN the release has no reason THEN it is refused
    r, shown = post(archivist, reverse("archive:hold-release", args=[hold.pk]), {"reason": " "})
    assert r.status_code == 302 and levels(shown) == ["error"]
    assert LegalHold.objects.get(pk=hold.pk).is_active
    # WHEN with a reason THEN released, and the next sweep proposes both
    archivist.post(reverse("archive:hold-release", args=[hold.pk]), {"reason": "Putusan inkracht"})
    assert not LegalHold.objects.get(pk=hold.pk).is_active
    archivist.post(reverse("archive:disposal-sweep"))
    newest = DisposalProposal.objects.filter(tenant=w.tenant).order_by("-pk").first()
    assert set(newest.items.values_list("record_id", flat=True)) == {held.pk, free.pk}


def test_a_held_record_cannot_be_sent_for_approval(setup):
    w = setup
    r1 = inactive(w)
    proposal = proposed(w, r1)
    disposal.hold_place(
        tenant=w.tenant, title="Audit BPK", reason="Audit", records=[r1], by=w.archivist
    )
    assert levels(post(page(w.archivist), act(proposal.pk, "submit"))[1]) == ["error"]
    assert state_of(proposal) == ProposalState.DRAFT


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "", "reason": "Audit", "records": "{pk}"}, "title"),
        ({"title": "Audit", "reason": "", "records": "{pk}"}, "reason"),
        ({"title": "Audit", "reason": "Audit", "records": ""}, "records"),
        ({"title": "Audit", "reason": "Audit", "records": "{pk}\n999999\nX/1/2020"}, "records"),
        ({"title": "Audit", "reason": "Audit", "records": "{foreign}"}, "records"),
    ],
)
def test_a_hold_form_with_errors_comes_back_and_saves_nothing(setup, data, field):
    w = setup
    mine = record(w)
    role_grant(user=w.foreigner, kind=RoleKind.RECORDS_OFFICER)  # an archivist over there
    foreign = record(w, tenant=w.other_tenant, unit="t_kominfo", by=w.foreigner)
    data = {k: v.format(pk=mine.pk, foreign=foreign.pk) for k, v in data.items()}
    r = page(w.archivist).post(reverse("archive:hold-new"), data)
    assert r.status_code == 200 and field in r.context["form"].errors
    assert 'data-testid="hold-form"' in r.content.decode()
    assert not LegalHold.objects.exists()


def test_a_destroyed_record_cannot_be_held(setup):
    w = setup
    gone = inactive(w)
    disposal.proposal_execute(proposal=approved(w, proposed(w, gone)), by=w.archivist)
    r = page(w.archivist).post(
        reverse("archive:hold-new"), {"title": "Audit", "reason": "Audit", "records": str(gone.pk)}
    )
    assert r.status_code == 200 and r.context["form"].non_field_errors()
    assert not LegalHold.objects.exists()


def test_a_released_hold_takes_no_more_records(setup):
    w = setup
    r1, r2 = record(w, title="Satu"), record(w, title="Dua")
    hold = disposal.hold_place(
        tenant=w.tenant, title="Audit", reason="Audit", records=[r1], by=w.archivist
    )
    disposal.hold_release(hold=hold, reason="Selesai", by=w.archivist)
    r = page(w.archivist).post(reverse("archive:hold", args=[hold.pk]), {"records": str(r2.pk)})
    assert r.status_code == 200 and r.context["form"].non_field_errors()
    assert list(hold.records.all()) == [r1]


def test_the_pages_render_in_indonesian_by_default(setup):
    w = setup
    proposal = approved(w, proposed(w, inactive(w)))
    hold = disposal.hold_place(
        tenant=w.tenant, title="Audit", reason="Audit", records=[record(w)], by=w.archivist
    )
    archivist = client_for(w.archivist)
    for url in (
        reverse("archive:proposals"),
        reverse("archive:proposal", args=[proposal.pk]),
        reverse("archive:holds"),
        reverse("archive:hold", args=[hold.pk]),
        reverse("archive:hold-new"),
    ):
        r = archivist.get(url)
        assert r.status_code == 200 and r["Content-Language"] == "id"


def test_the_new_hold_form_can_be_prefilled_from_a_link(setup):
    r = page(setup.archivist).get(reverse("archive:hold-new") + "?records=12,13")
    assert r.status_code == 200 and r.context["form"].initial["records"] == "12,13"


# --- who may do what, as HTTP answers ---

PERSONAS = ["archivist", "approver", "sekda", "head", "drafter", "foreigner"]
SEES_PROPOSAL = {"archivist", "approver", "sekda"}
MANAGES = {"archivist"}


def persona(w, role: str):
    return {
        "archivist": w.archivist,
        "approver": w.users["dispusip_head"],
        "sekda": w.sekda,
        "head": w.head,
        "drafter": w.drafter,
        "foreigner": w.foreigner,
    }[role]


@pytest.fixture
def scene(setup):
    """GIVEN a proposal waiting for its first approver and an active hold on another record."""
    w = setup
    w.proposal = proposed(w, inactive(w, title="Usul musnah"))
    disposal.proposal_submit(proposal=w.proposal, by=w.archivist)
    w.item = w.proposal.items.get()
    w.held = record(w, title="Berkas perkara")
    w.hold = disposal.hold_place(
        tenant=w.tenant, title="Perkara", reason="Gugatan", records=[w.held], by=w.archivist
    )
    return w


def _snapshot(w):
    p = DisposalProposal.objects.get(pk=w.proposal.pk)
    return (
        p.state,
        list(p.approvals.values_list("decision", flat=True)),
        list(DisposalItem.objects.filter(proposal=p).values_list("pk", "action")),
        LegalHold.objects.get(pk=w.hold.pk).released_at,
        LegalHold.objects.get(pk=w.hold.pk).records.count(),
        LegalHold.objects.count(),
        DisposalProposal.objects.count(),
    )


GETS = {
    "proposals": (lambda w: reverse("archive:proposals"), None),
    "proposal": (lambda w: reverse("archive:proposal", args=[w.proposal.pk]), SEES_PROPOSAL),
    "holds": (lambda w: reverse("archive:holds"), MANAGES),
    "hold": (lambda w: reverse("archive:hold", args=[w.hold.pk]), MANAGES),
    "hold-new": (lambda w: reverse("archive:hold-new"), MANAGES),
}


@pytest.mark.parametrize("route", list(GETS))
@pytest.mark.parametrize("role", PERSONAS)
def test_pages_answer_200_or_404(scene, role, route):
    w = scene
    url, allowed = GETS[route]
    r = page(persona(w, role)).get(url(w))
    expected = 200 if allowed is None or role in allowed else 404
    assert r.status_code == expected
    if route == "proposals":
        listed = reverse("archive:proposal", args=[w.proposal.pk]) in r.content.decode()
        assert listed == (role in SEES_PROPOSAL)


POSTS = {
    **{
        a: (lambda w, a=a: act(w.proposal.pk, a), {}, SEES_PROPOSAL)
        for a in ["submit", "cancel", "approve", "execute"]
    },
    "reject": (lambda w: act(w.proposal.pk, "reject"), {"note": "Tidak"}, SEES_PROPOSAL),
    "item-decide": (
        lambda w: act(w.proposal.pk, "item-decide"),
        {"item": "{item}", "fate": "permanent"},
        SEES_PROPOSAL,
    ),
    "item-keep": (
        lambda w: act(w.proposal.pk, "item-keep"),
        {"item": "{item}", "years": "2"},
        SEES_PROPOSAL,
    ),
    "item-remove": (lambda w: act(w.proposal.pk, "item-remove"), {"item": "{item}"}, SEES_PROPOSAL),
    "sweep": (lambda w: reverse("archive:disposal-sweep"), {}, MANAGES),
    "hold-new": (
        lambda w: reverse("archive:hold-new"),
        {"title": "Audit", "reason": "Audit", "records": "{held}"},
        MANAGES,
    ),
    "hold-add": (
        lambda w: reverse("archive:hold", args=[w.hold.pk]),
        {"records": "{item_record}"},
        MANAGES,
    ),
    "hold-release": (
        lambda w: reverse("archive:hold-release", args=[w.hold.pk]),
        {"reason": "Selesai"},
        MANAGES,
    ),
}
# What each allowed persona's POST changes (everyone else: nothing, or a refusal message).
CHANGES = {
    ("approve", "approver"),
    ("reject", "approver"),
    ("cancel", "archivist"),
    ("hold-new", "archivist"),
    ("hold-add", "archivist"),
    ("hold-release", "archivist"),
}


@pytest.mark.parametrize("route", list(POSTS))
@pytest.mark.parametrize("role", PERSONAS)
def test_actions_answer_302_or_404(scene, role, route):
    w = scene
    url, data, allowed = POSTS[route]
    data = {
        k: v.format(item=w.item.pk, held=w.held.pk, item_record=w.item.record_id)
        for k, v in data.items()
    }
    before = _snapshot(w)
    r = page(persona(w, role)).post(url(w), data)
    assert r.status_code == (302 if role in allowed else 404)
    if (route, role) in CHANGES:
        assert _snapshot(w) != before
    else:
        assert _snapshot(w) == before


def test_the_other_tenants_ids_are_404(setup):
    w = setup
    proposal = proposed(w, inactive(w))
    foreign_admin = w.users["foreign_admin"]
    for url in (
        reverse("archive:proposal", args=[proposal.pk]),
        reverse("archive:proposal", args=[proposal.pk + 1000]),
    ):
        assert page(foreign_admin).get(url).status_code == 404
        assert page(w.foreigner).get(url).status_code == 404


# --- queries do not grow with rows ---


def _records(w, n: int) -> list[Record]:
    return [record(w, title=f"Laporan {i}", document_date=OLD, medium="paper") for i in range(n)]


def test_proposal_page_queries_do_not_grow(setup, django_assert_max_num_queries):
    w = setup
    _records(w, 2)
    disposal.retention_sweep()
    small = DisposalProposal.objects.get()
    _records(w, 20)
    disposal.retention_sweep()
    large = DisposalProposal.objects.exclude(pk=small.pk).get()
    for p in (small, large):
        disposal.proposal_submit(proposal=p, by=w.archivist)
    assert large.items.count() == 20
    archivist = page(w.archivist)
    archivist.get(reverse("archive:proposals"))  # logging in is not part of the page
    with CaptureQueriesContext(connection) as two:
        assert archivist.get(reverse("archive:proposal", args=[small.pk])).status_code == 200
    with django_assert_max_num_queries(len(two)):
        r = archivist.get(reverse("archive:proposal", args=[large.pk]))
    assert r.status_code == 200 and r.content.decode().count('data-testid="item"') == 20


def test_proposal_list_queries_do_not_grow(setup, django_assert_max_num_queries):
    w = setup
    approver = page(w.users["dispusip_head"])
    approver.get(reverse("archive:proposals"))
    archivist = page(w.archivist)
    archivist.get(reverse("archive:proposals"))

    def sweep_one_each(n: int) -> None:
        for _i in range(n):
            [rec] = _records(w, 1)
            disposal.retention_sweep()
            p = DisposalProposal.objects.get(items__record=rec)
            disposal.proposal_submit(proposal=p, by=w.archivist)

    sweep_one_each(2)
    counts = {}
    for who, client in (("archivist", archivist), ("approver", approver)):
        with CaptureQueriesContext(connection) as q:
            assert client.get(reverse("archive:proposals")).status_code == 200
        counts[who] = len(q)
    sweep_one_each(18)
    for who, client in (("archivist", archivist), ("approver", approver)):
        with django_assert_max_num_queries(counts[who]):
            r = client.get(reverse("archive:proposals"))
        assert r.content.decode().count('data-testid="proposal"') == 20


def test_hold_pages_queries_do_not_grow(setup, django_assert_max_num_queries):
    w = setup
    archivist = page(w.archivist)
    archivist.get(reverse("archive:holds"))
    small = disposal.hold_place(
        tenant=w.tenant, title="A", reason="A", records=_records(w, 2), by=w.archivist
    )
    with CaptureQueriesContext(connection) as two:
        archivist.get(reverse("archive:hold", args=[small.pk]))
    large = disposal.hold_place(
        tenant=w.tenant, title="B", reason="B", records=_records(w, 20), by=w.archivist
    )
    with django_assert_max_num_queries(len(two)):
        r = archivist.get(reverse("archive:hold", args=[large.pk]))
    assert r.content.decode().count('data-testid="hold-record"') == 20
