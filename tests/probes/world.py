"""The probe's world: the persona world, then objects a persona may not see, each carrying a
marker in its text, made in two id ranges of their own.

Every table's id sequence is moved to HIDDEN_BASE before the Medan objects nobody of the
probing personas may see are made, and to FOREIGN_BASE before Tangerang's objects are made.
So every row of every table from HIDDEN_BASE up is hidden from the personas (or missing), and
every row from FOREIGN_BASE up is another tenant's: a URL that takes an id of any model can
be probed with the same few ids, without knowing which model it reads.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction

from accounts.services import api_token_create
from archive.choices import Medium
from archive.services import disposal, fileplan, lending, records, transfers
from correspondence import services as svc
from correspondence.archiving import delivery_file, letter_file
from correspondence.models import Delivery, LetterType, Outage
from correspondence.services import RecipientInput
from correspondence.services.outages import outage_blocks_ensure_for
from intake import services as intake
from notifications.services import notify
from organizations.choices import RoleKind, UnitKind
from organizations.services import assignment_create, role_grant
from scheduling import services as scheduling
from scheduling.models import Room
from tests.archive.helpers import archive_setup, pdf_with_text
from tests.factories import PositionFactory, UnitFactory, UserFactory
from tests.world import World, build_world

from ..factories import PASSWORD

HIDDEN_BASE = 700_000_000
FOREIGN_BASE = 800_000_000
UNKNOWN_ID = 1_900_000_000  # no row of any table
HIDDEN = "PROBEHIDDENMARK"
FOREIGN = "PROBEFOREIGNMARK"
SPAN = 12  # ids probed from each base: every row of the tables a route reads


@dataclass
class ProbeWorld:
    w: World
    tokens: dict[str, list[str]] = field(default_factory=dict)  # str-kwarg values per phase
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # rows made per table

    def admin_ids(self, app_label: str, model_name: str, ids: list[int]) -> list[int]:
        """Of these ids, those of existing rows of the admin page's model."""
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            return []
        return list(model._default_manager.filter(pk__in=ids).values_list("pk", flat=True))


def id_models() -> list[type[models.Model]]:
    """Every concrete table with an integer id that a sequence gives."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        pk = model._meta.pk
        if model._meta.proxy or not model._meta.managed:
            continue
        if isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
            found.append(model)
    return found


def sequences_move(base: int) -> None:
    """Make every table's next id `base` (PostgreSQL identity/serial or SQLite AUTOINCREMENT)."""
    with connection.cursor() as cursor:
        for model in id_models():
            table, column = model._meta.db_table, model._meta.pk.column
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), %s, false)",
                    [table, column, base],
                )
            else:
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, base - 1]
                )


def sequences_below_probe() -> None:
    """Give every table its next id just above its highest id under HIDDEN_BASE. A sequence is
    not rolled back with the transaction: a world built before on this database left them in
    the probe's ranges, and the persona world must not land there."""
    if connection.vendor != "postgresql":
        return  # SQLite's sqlite_sequence is a table: the rollback restored it
    with connection.cursor() as cursor:
        for model in id_models():
            table = connection.ops.quote_name(model._meta.db_table)
            column = connection.ops.quote_name(model._meta.pk.column)
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                f"COALESCE((SELECT MAX({column}) FROM {table} WHERE {column} < %s), 0) + 1, false)",
                [model._meta.db_table, model._meta.pk.column, HIDDEN_BASE],
            )


def rows_from(base: int, top: int) -> dict[str, int]:
    counts = {}
    for model in id_models():
        n = model._default_manager.filter(pk__gte=base, pk__lt=top).count()
        if n:
            counts[model._meta.label_lower] = n
    return counts


def _pdf(marker: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        f"{marker}.pdf", pdf_with_text(f"Lampiran {marker}"), "application/pdf"
    )


def _letter_story(
    w: World,
    *,
    tenant,
    drafter,
    reviewer,
    signer,
    signer_post,
    to_unit,
    to_head,
    assignee_post,
    assignee,
    marker: str,
) -> None:
    """A Terbatas letter with an attachment through review, signature, delivery, a disposition
    with a report, a comment, a draft, and both sides' archive records."""
    surat = LetterType.objects.get(tenant=tenant, code="surat_dinas")
    letter = svc.letter_create(
        by=drafter,
        letter_type=surat,
        subject=f"Surat {marker}",
        summary=f"Ringkasan {marker}",
        body=f"<p>Isi {marker}</p>",
        security="terbatas",
        classification_code="000.1",
        signer_position=signer_post,
        recipients=[RecipientInput(kind="to", unit=to_unit)],
    )
    svc.attachment_add(letter=letter, by=drafter, upload=_pdf(marker))
    svc.letter_submit(letter=letter, by=drafter, route=[reviewer[1]])
    svc.letter_approve(letter=letter, by=reviewer[0], note=f"Paraf {marker}")
    svc.letter_sign(passphrase=PASSWORD, letter=letter, by=signer)
    svc.letter_send(letter=letter, by=signer)
    delivery = Delivery.objects.get(letter=letter)
    svc.letter_opened(letter=letter, by=to_head)
    (disposition,) = svc.disposition_create(
        delivery=delivery,
        by=to_head,
        to_positions=[assignee_post],
        instructions=["tindak_lanjuti"],
        note=f"Disposisi {marker}",
    )
    svc.disposition_open(disposition=disposition, by=assignee)
    svc.disposition_report(
        disposition=disposition, by=assignee, text=f"Laporan {marker}", upload=_pdf(marker)
    )
    letter.refresh_from_db()
    svc.comment_add(letter=letter, by=signer, text=f"Komentar {marker}")
    svc.delivery_finish(delivery=delivery, by=to_head)
    letter_file(letter)
    delivery_file(delivery)
    svc.letter_create(
        by=drafter,
        letter_type=surat,
        subject=f"Konsep {marker}",
        signer_position=signer_post,
        recipients=[RecipientInput(kind="to", unit=to_unit)],
    )


def _archive_story(*, tenant, unit, archivist, borrower, marker) -> None:
    """Records filed directly (digital and paper), a case file, a loan, a legal hold, a
    disposal proposal and a transfer of old records."""
    code = fileplan_code(tenant, "000.1")
    digital = records.record_create(
        tenant=tenant,
        classification=code,
        unit=unit,
        title=f"Arsip {marker}",
        document_date=dt.date(2024, 3, 1),
        by=archivist,
        uploads=[_pdf(marker)],
        security="rahasia",
        description=f"Uraian {marker}",
    )
    paper = records.record_create(
        tenant=tenant,
        classification=code,
        unit=unit,
        title=f"Arsip kertas {marker}",
        document_date=dt.date(2024, 3, 1),
        by=archivist,
        medium=Medium.PAPER,
        location={"building": "Gedung", "shelf": "R1", "box": "B-1"},
    )
    records.casefile_create(
        tenant=tenant,
        classification=code,
        unit=unit,
        title=f"Berkas {marker}",
        by=archivist,
        records=[digital],
    )
    lending.loan_request(record=paper, by=borrower, purpose=f"Pinjam {marker}")
    disposal.hold_place(
        tenant=tenant,
        title=f"Tahan {marker}",
        reason=f"Audit {marker}",
        records=[paper],
        by=archivist,
    )
    old = [
        records.record_create(
            tenant=tenant,
            classification=code,
            unit=unit,
            title=f"Arsip lama {marker} {i}",
            document_date=dt.date(2010, 1, 5),
            by=archivist,
            uploads=[_pdf(marker)],
        )
        for i in range(2)
    ]
    disposal.retention_sweep(tenant_id=tenant.pk)
    from archive.models import DisposalProposal

    for p in DisposalProposal.objects.filter(tenant=tenant, items__record__in=old).distinct():
        disposal.proposal_cancel(proposal=p, by=archivist)
    disposal.proposal_create(tenant=tenant, records=[old[0]], by=archivist, note=f"Usul {marker}")
    transfers.transfer_create(
        tenant=tenant, from_unit=unit, records=[old[1]], by=archivist, note=f"Pindah {marker}"
    )


def fileplan_code(tenant, code: str):
    from archive.models import Classification

    return Classification.objects.get(tenant=tenant, code=code)


def _soon(days: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=days)


def _calendar_story(*, organiser, unit, invite, marker) -> None:
    """A confidential meeting of one unit (only those it invites see it)."""
    scheduling.event_create(
        by=organiser,
        title=f"Rapat {marker}",
        starts_at=_soon(3),
        ends_at=_soon(3) + dt.timedelta(hours=1),
        organiser_unit=unit,
        agenda=f"Agenda {marker}",
        security="rahasia",
        invite_positions=[invite],
    )


def _booking(*, room, by, marker: str) -> None:
    """A room booking: every member of the room's tenant sees it on the room's calendar."""
    scheduling.room_booking_create(
        room=room,
        by=by,
        starts_at=_soon(4),
        ends_at=_soon(4) + dt.timedelta(hours=1),
        title=f"Pesan {marker}",
    )


def access_settle() -> None:
    """Let the requests read who handles what from the access cache, as in production.

    The probe world is built once per module inside a transaction that is rolled back at the
    end, so organizations.access sees an uncommitted change of both tenants and reads the
    access facts from the database on every request (tens of thousands here). For the
    requests the world is as good as committed: forget the pending mark and start new
    generations. A test that changes who handles what marks it pending again."""
    from django.db import DEFAULT_DB_ALIAS, connections

    from organizations.access import _PENDING, access_forget_all

    connections[DEFAULT_DB_ALIAS].__dict__.pop(_PENDING, None)
    access_forget_all()


def build_probe_world() -> ProbeWorld:
    sequences_below_probe()
    w = build_world()
    archive_setup(w)
    fileplan.archive_settings_set(
        tenant=w.other_tenant,
        records_unit=w.units["t_bappeda"],
        static_archive="Arsip Provinsi Banten",
        disposal_approvers=[w.positions["t_kadis"]],
    )
    # Posts and rooms every member sees: made before the hidden phase.
    kec_staff_post = PositionFactory(unit=w.units["kec_baru"], code="KASI_PEM", title="Kasi Pem")
    kec_staff = UserFactory(tenant=w.tenant, username="kasi_pem")
    assignment_create(user=kec_staff, position=kec_staff_post, start_date=dt.date(2020, 1, 1))
    role_grant(user=w.outsider, kind=RoleKind.REGISTRY_CLERK, unit=w.units["dinkes"])
    room = Room.objects.create(
        tenant=w.tenant, code="R-DINKES", name="Ruang Dinkes", unit=w.units["dinkes"]
    )
    _booking(room=room, by=w.dinkes_head, marker="terlihat")
    probe = ProbeWorld(w)

    # --- Medan rows the probing personas (drafter, bappeda_clerk) may not see ---------------
    sequences_move(HIDDEN_BASE)
    _letter_story(
        w,
        tenant=w.tenant,
        drafter=w.outsider,
        reviewer=(w.sekda, w.positions["sekda"]),
        signer=w.dinkes_head,
        signer_post=w.positions["kadis_dinkes"],
        to_unit=w.units["kec_baru"],
        to_head=w.camat,
        assignee_post=kec_staff_post,
        assignee=kec_staff,
        marker=HIDDEN,
    )
    _archive_story(
        tenant=w.tenant,
        unit=w.units["dinkes"],
        archivist=w.archivist,
        borrower=w.dinkes_head,
        marker=HIDDEN,
    )
    _calendar_story(
        organiser=w.dinkes_head,
        unit=w.units["dinkes"],
        invite=w.positions["staf_dinkes"],
        marker=HIDDEN,
    )
    today = svc.tenant_today(w.tenant)
    svc.delegation_create(
        by=w.dinkes_head,
        delegate=w.outsider,
        start_date=today,
        end_date=today + dt.timedelta(days=9),
        reason=f"Cuti {HIDDEN}",
    )
    svc.numbers_reserve(
        unit=w.units["dinkes"],
        by=w.outsider,
        count=2,
        reason=f"Gangguan {HIDDEN}",
        letter_type=LetterType.objects.get(tenant=w.tenant, code="surat_dinas"),
    )
    _outage_rows(w.tenant, w.units["dinkes"], w.tenant_admin, HIDDEN)
    intake.pending_create(unit=w.units["dinkes"], upload=_pdf(HIDDEN), by=w.outsider)
    notify([w.dinkes_head], "letter.signed", None, text=f"Pemberitahuan {HIDDEN}", url="/")
    api_token_create(user=w.outsider, name=f"Token {HIDDEN}")
    svc.recipient_group_save(
        by=w.outsider, name=f"Grup {HIDDEN}", units=[], positions=[w.positions["staf_dinkes"]]
    )
    probe.tokens["hidden"] = [scheduling.feed_create(user=w.outsider)]
    probe.counts["hidden"] = rows_from(HIDDEN_BASE, FOREIGN_BASE)

    # --- Tangerang's rows: nobody of Medan may see them ------------------------------------
    sequences_move(FOREIGN_BASE)
    t_unit = UnitFactory(
        tenant=w.other_tenant, code="T-DINKES", name=f"Dinas {FOREIGN}", kind=UnitKind.AGENCY
    )
    t_head_post = PositionFactory(
        unit=t_unit, code="KADIS", title=f"Kepala {FOREIGN}", is_head=True, can_sign=True
    )
    t_staff_post = PositionFactory(unit=t_unit, code="STAF", title=f"Staf {FOREIGN}")
    t_head = UserFactory(tenant=w.other_tenant, username="t_dinkes_head", name=f"Ibu {FOREIGN}")
    t_staff = UserFactory(tenant=w.other_tenant, username="t_dinkes_staf", name=f"Pak {FOREIGN}")
    assignment_create(user=t_head, position=t_head_post, start_date=dt.date(2020, 1, 1))
    assignment_create(user=t_staff, position=t_staff_post, start_date=dt.date(2020, 1, 1))
    role_grant(user=t_staff, kind=RoleKind.REGISTRY_CLERK, unit=t_unit)
    role_grant(user=w.foreign_admin, kind=RoleKind.RECORDS_OFFICER)
    from correspondence.signing import certificate_issue

    certificate_issue(w.foreign_head, passphrase=PASSWORD)
    _letter_story(
        w,
        tenant=w.other_tenant,
        drafter=w.foreigner,
        reviewer=(w.foreign_bappeda, w.positions["t_kaban"]),
        signer=w.foreign_head,
        signer_post=w.positions["t_kadis"],
        to_unit=t_unit,
        to_head=t_head,
        assignee_post=t_staff_post,
        assignee=t_staff,
        marker=FOREIGN,
    )
    _archive_story(
        tenant=w.other_tenant,
        unit=w.units["t_kominfo"],
        archivist=w.foreign_admin,
        borrower=w.foreigner,
        marker=FOREIGN,
    )
    t_room = Room.objects.create(
        tenant=w.other_tenant, code="R-T", name=f"Ruang {FOREIGN}", unit=t_unit
    )
    _calendar_story(organiser=t_head, unit=t_unit, invite=t_staff_post, marker=FOREIGN)
    _booking(room=t_room, by=t_head, marker=FOREIGN)
    today = svc.tenant_today(w.other_tenant)
    svc.delegation_create(
        by=t_head,
        delegate=t_staff,
        start_date=today,
        end_date=today + dt.timedelta(days=9),
        reason=f"Cuti {FOREIGN}",
    )
    svc.numbers_reserve(
        unit=t_unit,
        by=t_staff,
        count=2,
        reason=f"Gangguan {FOREIGN}",
        letter_type=LetterType.objects.get(tenant=w.other_tenant, code="surat_dinas"),
    )
    _outage_rows(w.other_tenant, t_unit, w.foreign_admin, FOREIGN)
    intake.pending_create(unit=t_unit, upload=_pdf(FOREIGN), by=t_staff)
    notify([w.foreigner], "letter.signed", None, text=f"Pemberitahuan {FOREIGN}", url="/")
    api_token_create(user=w.foreigner, name=f"Token {FOREIGN}")
    svc.recipient_group_save(by=t_staff, name=f"Grup {FOREIGN}", units=[], positions=[t_head_post])
    probe.tokens["foreign"] = [scheduling.feed_create(user=w.foreigner)]
    probe.counts["foreign"] = rows_from(FOREIGN_BASE, 2_000_000_000)
    return probe


def text_of(response) -> str:
    """Everything a response shows, as text: HTML, JSON, CSV, iCalendar, and the text of a
    PDF or of the parts of a ZIP (XLSX) it sends."""
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
    else:
        data = response.content
    kind = response.get("Content-Type", "")
    parts = [data.decode("utf-8", errors="replace")]
    if data.startswith(b"%PDF"):
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        parts += [page.extract_text() or "" for page in reader.pages]
        parts += [str(reader.metadata or "")]
    elif data.startswith(b"PK") or "zip" in kind or "spreadsheet" in kind:
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts += [z.read(n).decode("utf-8", errors="replace") for n in z.namelist()]
    return " ".join(" ".join(parts).split())


def _outage_rows(tenant, unit, admin, marker: str) -> None:
    """The unit's outage numbers (held for Surat Dinas) and a past outage of the tenant."""
    surat_dinas = LetterType.objects.get(tenant=tenant, code="surat_dinas")
    with transaction.atomic():
        outage_blocks_ensure_for(tenant, [(unit, surat_dinas)])
    Outage.objects.create(
        tenant=tenant,
        started_at=_soon(-2),
        ended_at=_soon(-1),
        reason=f"Padam {marker}",
        started_by=admin,
    )
