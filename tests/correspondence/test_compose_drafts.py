"""Composing a draft: templates per type and unit with placeholders, autosave with its
version check, the version list, diff and restore."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from correspondence import composing
from correspondence import services as svc
from correspondence.models import Letter, LetterTemplate, LetterVersion
from organizations.services import tenant_load_file
from organizations.tenantfile import TenantFileError
from tests.conftest import client_for

from .helpers import draft, letter_type

pytestmark = pytest.mark.django_db


def _template(world, code="undangan", *, unit=None, tenant=None, **fields) -> LetterTemplate:
    tenant = tenant or world.tenant
    fields.setdefault("name", f"Template {code}")
    fields.setdefault("body", "<p>Kepada {penerima}: {acara} pada {tanggal}, {tempat}.</p>")
    return LetterTemplate.objects.create(
        tenant=tenant,
        code=f"{code}-{unit.code if unit else 'all'}-{LetterTemplate.objects.count()}",
        letter_type=letter_type(world, code, tenant=tenant),
        unit=unit,
        **fields,
    )


# --- templates: who may use which ---


def test_templates_follow_the_tenant_and_the_drafters_unit(world):
    # GIVEN templates for the whole tenant, for Kominfo (above the drafter's section), for
    # Bappeda, an inactive one and another tenant's
    everyone = _template(world)
    kominfo = _template(world, unit=world.units["kominfo"])
    _template(world, unit=world.units["bappeda"])
    _template(world, is_active=False)
    _template(world, tenant=world.other_tenant)
    # WHEN the drafter (Seksi Aptika, under Kominfo) composes
    usable = set(composing.letter_templates_for(world.drafter))
    # THEN the tenant's and Kominfo's are offered, nothing else
    assert usable == {everyone, kominfo}
    # and the head of Bappeda gets the tenant's and Bappeda's
    assert everyone in composing.letter_templates_for(world.bappeda_head)
    assert kominfo not in composing.letter_templates_for(world.bappeda_head)


def test_fill_puts_known_values_in_and_leaves_the_others_visible(world):
    template = _template(
        world,
        opening="<p>Dengan hormat,</p>",
        body="<p>Kepada {penerima} untuk {acara} pada {tanggal} di {tempat}; {unknown}.</p>",
        closing="<p>Demikian.</p>",
    )
    # WHEN only the addressee and the event are known (with markup in a value)
    html = composing.template_fill(template, {"penerima": "Bappeda <b>", "acara": "Rapat"})
    # THEN opening, body and closing follow each other; unknown placeholders stay; values are text
    assert html == (
        "<p>Dengan hormat,</p><p>Kepada Bappeda &lt;b&gt; untuk Rapat pada {tanggal} di "
        "{tempat}; {unknown}.</p><p>Demikian.</p>"
    )


def test_the_fill_page_reads_the_form_and_answers_404_for_a_template_not_offered(world):
    template = _template(world)
    bappeda_only = _template(world, unit=world.units["bappeda"])
    foreign = _template(world, tenant=world.other_tenant)
    client = client_for(world.drafter)
    start = timezone.make_aware(dt.datetime(2030, 3, 4, 9, 0))  # a Monday
    query = {
        "letter_type": letter_type(world, "undangan").pk,
        "subject": "Rapat koordinasi SPBE",
        "to_units": [world.units["bappeda"].pk, world.units["dinkes"].pk],
        "event_start": start.strftime("%Y-%m-%dT%H:%M"),
        "event_end": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "event_location": "Aula Kominfo",
    }
    url = reverse("correspondence:template-fill", args=[template.pk])
    body = client.get(url, query).json()["body"]
    assert "Badan Perencanaan Pembangunan Daerah, Dinas Kesehatan" in body
    assert "Rapat koordinasi SPBE" in body and "Aula Kominfo" in body
    assert "Senin, 4 Maret 2030" in body
    # without an event, its placeholders stay for the drafter
    bare = client.get(url, {"subject": "x"}).json()["body"]
    assert "{tanggal}" in bare and "{tempat}" in bare and "{penerima}" in bare
    for hidden in (bappeda_only, foreign):
        response = client.get(reverse("correspondence:template-fill", args=[hidden.pk]))
        assert response.status_code == 404
    assert client.get(url.replace(f"/{template.pk}/", "/999999999/")).status_code == 404


def test_the_compose_page_offers_the_templates_with_their_type(world):
    template = _template(world)
    page = client_for(world.drafter).get(reverse("correspondence:compose")).content.decode()
    assert f'value="{template.pk}" data-type="undangan"' in page
    assert "data-editor-toolbar" in page and "data-editor" in page


def test_tenant_file_loads_templates_and_names_a_wrong_type(tmp_path: Path):
    from tests.organizations.test_tenantfile import GOOD, write

    text = GOOD + textwrap.dedent(
        """
        letter_templates:
          - code: undangan
            name: Undangan rapat
            type: undangan
            unit: DISKOMINFO
            opening: "Dengan hormat,"
            body: |
              Baris satu {penerima}
              baris dua


              Paragraf berikut
        """
    )
    tenant_load_file(write(tmp_path, text))
    template = LetterTemplate.objects.get(code="undangan")
    assert template.unit.code == "DISKOMINFO" and template.letter_type.code == "undangan"
    assert template.body == (
        "<p>Baris satu {penerima}<br>baris dua</p><p></p><p>Paragraf berikut</p>"
    )
    assert tenant_load_file(write(tmp_path, text)) == {}  # loading again changes nothing
    with pytest.raises(TenantFileError, match="letter_templates.0. .undangan. > type"):
        tenant_load_file(write(tmp_path, text.replace("type: undangan", "type: nothing")))


# --- autosave ---


def test_autosave_makes_a_version_once_and_is_harmless_when_repeated(world):
    letter = draft(world)
    v = letter.version
    letter, saved = svc.letter_autosave(
        letter=letter, by=world.drafter, expected_version=v, body="<p>Baru</p>"
    )
    assert saved and letter.version == v + 1
    # the same request again (a retry, from the version it started from): nothing changes
    again, saved = svc.letter_autosave(
        letter=letter, by=world.drafter, expected_version=v, body="<p>Baru</p>"
    )
    assert not saved and again.version == v + 1
    assert LetterVersion.objects.filter(letter=letter).count() == v + 1


def test_autosave_never_writes_over_a_newer_version(world):
    letter = draft(world)
    v = letter.version
    svc.letter_update(letter=letter, by=world.drafter, expected_version=v, body="<p>Lain</p>")
    with pytest.raises(svc.StaleEdit):
        svc.letter_autosave(
            letter=letter, by=world.drafter, expected_version=v, body="<p>Ketikan lama</p>"
        )
    assert Letter.objects.get(pk=letter.pk).body == "<p>Lain</p>"


def test_autosave_only_while_the_draft_is_editable(world):
    letter = svc.letter_submit(letter=draft(world), by=world.drafter)
    with pytest.raises(TransitionNotAllowed):
        svc.letter_autosave(
            letter=letter, by=world.drafter, expected_version=letter.version, body="<p>x</p>"
        )


def test_autosave_page_answers_version_conflict_and_refusals(world):
    letter = draft(world)
    url = reverse("correspondence:autosave", args=[letter.pk])
    client = client_for(world.drafter)
    ok = client.post(url, {"version": letter.version, "body": "<p>Satu</p>", "subject": "Hal"})
    assert ok.status_code == 200 and ok.json() == {"version": letter.version + 1, "saved": True}
    assert Letter.objects.get(pk=letter.pk).subject == "Hal"
    stale = client.post(url, {"version": letter.version, "body": "<p>Dua</p>"})
    assert stale.status_code == 409 and stale.json()["version"] == letter.version + 1
    # a script in the typed text does not survive
    client.post(url, {"version": letter.version + 1, "body": "<p>Tiga<script>x</script></p>"})
    assert Letter.objects.get(pk=letter.pk).body == "<p>Tiga</p>"
    # the reviewer sees the draft only after submission; before, it is hidden: 404
    assert client_for(world.reviewer).post(url, {"version": 9}).status_code == 404
    assert client.get(url).status_code == 405
    svc.letter_submit(letter=Letter.objects.get(pk=letter.pk), by=world.drafter)
    assert client.post(url, {"version": letter.version + 2, "body": "x"}).status_code == 403


# --- versions ---


def test_restore_brings_an_old_text_back_as_a_new_version(world):
    letter = draft(world, body="<p>Asli</p>")
    first = letter.version
    letter = svc.letter_update(
        letter=letter, by=world.drafter, expected_version=first, body="<p>Diubah</p>"
    )
    letter = svc.letter_version_restore(
        letter=letter, by=world.drafter, number=first, expected_version=letter.version
    )
    assert letter.body == "<p>Asli</p>" and letter.version == first + 2
    numbers = list(LetterVersion.objects.filter(letter=letter).values_list("number", "body"))
    assert numbers[-3:] == [
        (first, "<p>Asli</p>"),
        (first + 1, "<p>Diubah</p>"),
        (first + 2, "<p>Asli</p>"),
    ]
    with pytest.raises(svc.StaleEdit):
        svc.letter_version_restore(
            letter=letter, by=world.drafter, number=first, expected_version=first
        )


def test_diff_shows_lines_removed_and_added(world):
    letter = draft(world, body="<p>Sama</p><ol><li><p>Lama</p></li></ol>")
    old = LetterVersion.objects.get(letter=letter, number=letter.version)
    letter = svc.letter_update(
        letter=letter,
        by=world.drafter,
        expected_version=letter.version,
        body="<p>Sama</p><ol><li><p>Baru</p></li></ol><table><tr><td>a</td><td>b</td></tr></table>",
    )
    diff = composing.version_diff(letter, old)
    assert ("-", "• Lama") in diff and ("+", "• Baru") in diff and ("+", "a | b") in diff
    assert (" ", "Sama") in diff


def test_version_pages_for_the_drafter_only(world):
    letter = draft(world, body="<p>Asli</p>")
    first = letter.version
    letter = svc.letter_update(
        letter=letter, by=world.drafter, expected_version=first, body="<p>Diubah</p>"
    )
    client = client_for(world.drafter)
    listing = client.get(reverse("correspondence:versions", args=[letter.pk]))
    assert listing.status_code == 200 and b'data-version="%d"' % first in listing.content
    page = client.get(reverse("correspondence:version", args=[letter.pk, first]))
    assert b"Asli" in page.content and b'data-testid="restore"' in page.content
    assert client.get(reverse("correspondence:version", args=[letter.pk, 999])).status_code == 404
    restore = reverse("correspondence:version-restore", args=[letter.pk, first])
    response = client.post(restore, {"version": letter.version})
    assert response.status_code == 302
    assert Letter.objects.get(pk=letter.pk).body == "<p>Asli</p>"
    # someone who can see the letter but did not draft it: like a hidden letter
    submitted = svc.letter_submit(letter=Letter.objects.get(pk=letter.pk), by=world.drafter)
    reviewer = client_for(world.reviewer)
    assert reviewer.get(reverse("correspondence:letter", args=[letter.pk])).status_code == 200
    assert reviewer.get(reverse("correspondence:versions", args=[letter.pk])).status_code == 404
    assert reviewer.post(restore, {"version": submitted.version}).status_code == 404
    # once submitted, the drafter still sees the versions but cannot restore
    page = client.get(reverse("correspondence:version", args=[letter.pk, first]))
    assert page.status_code == 200 and b'data-testid="restore"' not in page.content


def test_a_placeholder_left_in_the_body_blocks_submitting(world):
    from correspondence.checker import draft_findings

    letter = draft(world, body="<p>Hadir pada {tanggal} di {tempat}; harga {x}.</p>")
    found = {f.code: f for f in draft_findings(letter)}
    assert found["body.placeholder"].is_error
    assert "{tanggal}, {tempat}" in found["body.placeholder"].message
    assert "{x}" not in found["body.placeholder"].message  # not one of the template names
    filled = draft(world, body="<p>Hadir pada Senin.</p>")
    assert "body.placeholder" not in {f.code for f in draft_findings(filled)}


def test_the_tenant_admin_writes_a_template_as_plain_text(world):
    client = client_for(world.tenant_admin)
    url = reverse("admin:correspondence_lettertemplate_add")
    data = {
        "name": "Undangan",
        "code": "undangan",
        "letter_type": letter_type(world, "undangan").pk,
        "unit": world.units["kominfo"].pk,
        "opening": "Dengan hormat,",
        "body": "Baris {penerima}\n\n\n<script>x</script>Baris",
        "closing": "",
        "sort_order": 1,
        "is_active": "on",
    }
    assert client.post(url, data).status_code == 302
    template = LetterTemplate.objects.get(code="undangan")
    assert template.tenant == world.tenant
    assert template.body == "<p>Baris {penerima}</p><p></p><p>Baris</p>"
    # the same code again is refused on the form, not by the database
    again = client.post(url, data)
    assert again.status_code == 200 and LetterTemplate.objects.filter(code="undangan").count() == 1
    # another tenant's unit is no choice
    foreign = {**data, "code": "lain", "unit": world.units["t_kominfo"].pk}
    assert client.post(url, foreign).status_code == 200
    assert not LetterTemplate.objects.filter(code="lain").exists()


def test_the_reviewer_sees_the_changed_paragraph_only(world):
    letter = draft(world, body="<p>Satu</p><p>Dua</p><ul><li><p>Tiga</p></li></ul>")
    letter = svc.letter_submit(letter=letter, by=world.drafter)
    letter = svc.letter_return(letter=letter, by=world.reviewer, note="Ubah")
    svc.letter_update(
        letter=letter,
        by=world.drafter,
        expected_version=letter.version,
        body="<p>Satu</p><p>Dua diubah</p><ul><li><p>Tiga</p></li></ul>",
    )
    letter = svc.letter_submit(letter=Letter.objects.get(pk=letter.pk), by=world.drafter)
    diff = svc.changes_since_last_look(letter, world.reviewer)
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[1:2] not in "+-"]
    assert changed == ["-Dua", "+Dua diubah"]
