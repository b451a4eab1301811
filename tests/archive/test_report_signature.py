"""The berita acara pemusnahan signed by the official who gave the final approval (issue 25,
item 5): filed when the proposal is carried out, then signed from the proposal's page with the
official's signing passphrase (PAdES B-LTA, checked by the project's validator and by pyHanko
itself); nobody else may sign it, a wrong passphrase or a provider that does not answer
changes nothing, a second signature is refused, and the signed file keeps the filed one as its
first revision, byte for byte."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django_fsm import TransitionNotAllowed

from archive.models import DisposalProposal, RecordFile
from archive.permissions import can_sign_disposal_report
from archive.services import disposal
from correspondence import signing
from tests.conftest import client_for
from tests.factories import PASSWORD
from tests.pdfa import assert_pdfa
from workflows.selectors import transition_log_for

from .disposal_helpers import approved, inactive, proposed
from .helpers import archive_setup
from .signatures import pyhanko_passes

pytestmark = pytest.mark.django_db

# Everyone who may not sign: the archivist who carried it out, the first approver, a head of
# another unit, the tenant's administrator, a user of another tenant.
OTHERS = ["archivist", "dispusip_head", "head", "tenant_admin", "foreigner"]


@pytest.fixture
def executed(world) -> DisposalProposal:
    """GIVEN a proposal approved by the head of Dispusip, then (last) the Sekda, carried out
    by the archivist: its berita acara is filed and waits for the Sekda's signature."""
    archive_setup(world)
    r = inactive(world, title="Laporan kegiatan 2015")
    proposal = approved(world, proposed(world, r))
    disposal.proposal_execute(proposal=proposal, by=world.archivist)
    return DisposalProposal.objects.get(pk=proposal.pk)


def _file(proposal) -> RecordFile:
    return RecordFile.objects.get(record_id=proposal.report_id)


def _bytes(proposal) -> bytes:
    with _file(proposal).file.open("rb") as fh:
        return fh.read()


def _sign(proposal, user, passphrase=PASSWORD, *, second_factor=True):
    return disposal.disposal_report_sign(
        proposal=proposal, by=user, passphrase=passphrase, second_factor=second_factor
    )


def page(user, *, verified=True):
    client = client_for(user, verified=verified)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def post(client, proposal, data):
    r = client.post(reverse("archive:proposal-action", args=[proposal.pk, "sign-report"]), data)
    shown = []
    if r.status_code == 302:
        shown = [(m.level_tag, str(m)) for m in client.get(r["Location"]).context["messages"]]
    return r, shown


def _unchanged(proposal, before: bytes) -> None:
    proposal = DisposalProposal.objects.get(pk=proposal.pk)
    assert proposal.report_signed_at is None
    assert _bytes(proposal) == before and _file(proposal).sha256 == signing.sha256(before)
    assert not transition_log_for(proposal).filter(action="proposal.report_signed").exists()


def test_execution_files_the_berita_acara_waiting_for_the_final_approver(world, executed):
    # THEN the last step's official is named as its signer, and the filed PDF is PDF/A, not
    # yet signed, and says who signs it
    assert executed.report_signer == world.sekda and executed.report_signed_at is None
    data = _bytes(executed)
    assert_pdfa(data, 2)
    assert signing.pdf_validate(data, tenant=world.tenant).signatures == []
    assert can_sign_disposal_report(world.sekda, executed)
    body = page(world.sekda).get(reverse("archive:proposal", args=[executed.pk]))
    assert b'data-testid="report-unsigned"' in body.content
    assert b'data-testid="sign-report"' in body.content


def test_the_final_approver_signs_it_from_the_page(
    world, executed, django_capture_on_commit_callbacks
):
    filed, filed_sha = _bytes(executed), _file(executed).sha256
    old_name = _file(executed).file.name
    # WHEN the Sekda types their signing passphrase on the proposal's page
    with django_capture_on_commit_callbacks(execute=True):
        r, shown = post(page(world.sekda), executed, {"passphrase": PASSWORD})
    assert r.status_code == 302 and shown == [("success", "The berita acara is signed.")]
    # THEN the record's file is the signed PDF: valid, signed by the Sekda, still PDF/A
    executed = DisposalProposal.objects.get(pk=executed.pk)
    assert executed.report_signed_at is not None
    row = _file(executed)
    data = _bytes(executed)
    check = signing.pdf_validate(data, tenant=world.tenant)
    assert check.valid and [s.signer for s in check.signatures] == [world.sekda.display_name[:64]]
    assert check.signatures[0].long_term
    assert pyhanko_passes(data, world.tenant) == world.sekda.display_name[:64]
    assert_pdfa(data, 2, signed=True)
    # ... whose first revision is the filed file, byte for byte; the hash follows the file
    assert data.startswith(filed) and row.sha256 == signing.sha256(data) != filed_sha
    assert row.size == len(data) and not row.file.storage.exists(old_name)
    # ... and the audit chains say so: the record's keeps the filed hash and length
    [signed_row] = transition_log_for(row.record).filter(action="record.signed")
    assert signed_row.actor == world.sekda
    assert (signed_row.source, signed_row.target) == (filed_sha, row.sha256)
    assert f"first {len(filed)} bytes" in signed_row.note
    assert (
        transition_log_for(executed)
        .filter(action="proposal.report_signed", actor=world.sekda)
        .exists()
    )
    # ... and the page shows the signed state, with no form left
    body = page(world.sekda).get(reverse("archive:proposal", args=[executed.pk])).content
    assert b'data-testid="report-signed"' in body and b'data-testid="sign-report"' not in body


@pytest.mark.parametrize("who", OTHERS)
def test_nobody_else_may_sign_it(world, executed, who):
    before = _bytes(executed)
    user = world.users[who]
    assert not can_sign_disposal_report(user, executed)
    with pytest.raises(PermissionDenied):
        _sign(executed, user)
    _unchanged(executed, before)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("archivist", 302),  # sees the proposal: told "you may not"
        ("dispusip_head", 302),  # the other approver, likewise
        ("head", 404),  # not an approver: the proposal is hidden
        ("foreigner", 404),
    ],
)
def test_nobody_else_may_sign_it_through_the_page(world, executed, who, status):
    before = _bytes(executed)
    user = world.users[who]
    if status == 302:
        body = page(user).get(reverse("archive:proposal", args=[executed.pk])).content
        assert b'data-testid="sign-report"' not in body
    r, shown = post(page(user), executed, {"passphrase": PASSWORD})
    assert r.status_code == status
    if status == 302:
        assert shown == [("error", "You may not do that.")]
    _unchanged(executed, before)


def test_a_wrong_passphrase_leaves_it_unsigned_and_counts_toward_the_lockout(world, executed):
    before = _bytes(executed)
    client = page(world.sekda)
    r, shown = post(client, executed, {"passphrase": "salah-salah-salah"})
    assert r.status_code == 302 and [level for level, _t in shown] == ["error"]
    _unchanged(executed, before)
    with pytest.raises(ValidationError) as err:
        _sign(executed, world.sekda, "salah-salah-salah")
    assert err.value.error_dict["passphrase"][0].code == signing.WRONG_PASSPHRASE
    _unchanged(executed, before)
    for _ in range(6):
        post(client, executed, {"passphrase": "salah-salah-salah"})
    _r, shown = post(client, executed, {"passphrase": PASSWORD})
    assert [level for level, _t in shown] == ["error"]  # locked out: even the right one
    _unchanged(executed, before)


def test_a_provider_that_does_not_answer_changes_nothing(world, executed, settings):
    before = _bytes(executed)
    good = settings.NASKAH_TSA_URL
    settings.NASKAH_TSA_URL = "http://127.0.0.1:9/tsa"  # nothing listens on the discard port
    with pytest.raises(ValidationError) as err:
        _sign(executed, world.sekda)
    assert err.value.error_dict["passphrase"][0].code == signing.SERVICE_DOWN
    _unchanged(executed, before)
    settings.NASKAH_TSA_URL = good
    _sign(executed, world.sekda)  # and it can be signed once the service is back
    assert signing.pdf_validate(_bytes(executed), tenant=world.tenant).valid


def test_signing_needs_a_second_factor(world, executed):
    before = _bytes(executed)
    with pytest.raises(PermissionDenied):
        _sign(executed, world.sekda, second_factor=False)
    # A signer's unverified session is sent to the second step before the page or the form
    client = page(world.sekda, verified=False)
    url = reverse("archive:proposal-action", args=[executed.pk, "sign-report"])
    r = client.post(url, {"passphrase": PASSWORD})
    assert r.status_code == 302 and r["Location"].startswith("/account/two-step/")
    _unchanged(executed, before)


def test_a_second_signature_is_refused(world, executed):
    client = page(world.sekda)
    post(client, executed, {"passphrase": PASSWORD})
    signed = _bytes(executed)
    # WHEN the same form is sent again (a double click, another tab)
    r, shown = post(client, executed, {"passphrase": PASSWORD})
    # THEN it is a conflict told on the page, and the file is the one signed first
    assert r.status_code == 302 and [level for level, _t in shown] == ["warning"]
    with pytest.raises(TransitionNotAllowed):
        _sign(DisposalProposal.objects.get(pk=executed.pk), world.sekda)
    assert _bytes(executed) == signed
    assert transition_log_for(executed).filter(action="proposal.report_signed").count() == 1


@pytest.mark.parametrize("moment", ["signed", "filed_before_signatures", "other_tenant"])
def test_only_an_awaiting_berita_acara_may_be_signed(world, executed, moment):
    if moment == "signed":
        _sign(executed, world.sekda)
        executed = DisposalProposal.objects.get(pk=executed.pk)
    elif moment == "filed_before_signatures":  # a report filed before reports were signed
        DisposalProposal.objects.filter(pk=executed.pk).update(report_signer=None)
        executed = DisposalProposal.objects.get(pk=executed.pk)
    else:
        executed.tenant = world.other_tenant  # as if the row belonged to another tenant
    assert not can_sign_disposal_report(world.sekda, executed)
