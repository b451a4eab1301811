"""The load generator's letters: what each one is (drawn from the vocabulary below), its row,
first version, drafter's grant, attachment, review steps and audit chain. A sent letter's
deliveries and dispositions come from `Inbox` (bench.generators.inbox), which `Mail` builds on."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from bench.generators.inbox import Inbox
from bench.generators.people import TenantWorld
from bench.generators.state import pick
from correspondence import numbering
from correspondence.choices import AttachmentKind, LetterState, SigningMode, StepKind, StepState
from correspondence.models import Letter, LetterType
from organizations.models import Position
from workflows.choices import SecurityLevel, Urgency

SECURITY_WEIGHTS = [
    (SecurityLevel.BIASA, 70),
    (SecurityLevel.TERBATAS, 20),
    (SecurityLevel.RAHASIA, 8),
    (SecurityLevel.SANGAT_RAHASIA, 2),
]
URGENCY_WEIGHTS = [(Urgency.BIASA, 75), (Urgency.SEGERA, 20), (Urgency.SANGAT_SEGERA, 5)]
STATE_WEIGHTS = [
    (LetterState.SENT, 90),
    (LetterState.DRAFT, 3),
    (LetterState.IN_REVIEW, 3),
    (LetterState.APPROVED, 2),
    (LetterState.SIGNED, 1),
    (LetterState.RETRACTED, 1),
]
SUBJECTS = [
    "Undangan Rapat Koordinasi {x}",
    "Permohonan Data {x}",
    "Laporan Realisasi Anggaran {x}",
    "Penyampaian Hasil Monitoring {x}",
    "Pemberitahuan Jadwal {x}",
    "Permintaan Narasumber {x}",
    "Usulan Kegiatan {x}",
    "Tindak Lanjut Temuan {x}",
    "Penyampaian Laporan Kinerja {x}",
    "Surat Edaran tentang {x}",
]
TOPICS = [
    "Pelayanan Publik",
    "Penanganan Banjir",
    "Stunting Triwulan III",
    "Pengadaan Barang dan Jasa",
    "Transformasi Digital",
    "Kebersihan Pasar",
    "Penerimaan Pajak Daerah",
    "Musrenbang Kecamatan",
    "Kesiapsiagaan Bencana",
    "Penataan Arsip Dinamis",
    "Vaksinasi Anak Sekolah",
    "Perbaikan Jalan Lingkungan",
]
SIGNED_STATES = (LetterState.SIGNED, LetterState.SENT, LetterState.RETRACTED)
SENT_STATES = (LetterState.SENT, LetterState.RETRACTED)
CLASSIFICATIONS = ["000.1", "005", "100.3", "400.14", "500.5", "800.1", "900.1"]


@dataclasses.dataclass
class Draft:
    """One generated letter: what was drawn for it, from which its rows are laid out."""

    id: int
    created: dt.datetime
    unit_id: int  # the sending unit
    head: Position  # its head, who signs
    drafter: int
    signer: int
    letter_type: LetterType
    security: str
    urgency: str
    state: str
    subject: str
    body: str
    classification: str
    signed_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None
    retracted_at: dt.datetime | None = None
    number: str = ""
    seq: int | None = None
    year: int | None = None

    @property
    def signed(self) -> bool:
        return self.state in SIGNED_STATES

    @property
    def sent(self) -> bool:
        return self.state in SENT_STATES


class Mail(Inbox):
    """Letters and the rows that come with each one; `Inbox` delivers the sent ones."""

    def _attachment_pool(self, size: int = 20) -> list[tuple[str, int, str]]:
        """A few small real PDFs in storage that attachment rows point at."""
        pool = []
        for i in range(size):
            buf = io.BytesIO()
            c = canvas.Canvas(buf, pagesize=A4)
            c.setTitle(f"Lampiran {i + 1}")
            c.drawString(72, 770, f"Lampiran {i + 1}: data pendukung")
            for line in range(20):
                c.drawString(72, 740 - line * 16, f"Baris {line + 1}: {TOPICS[line % 12]}")
            c.showPage()
            c.save()
            data = buf.getvalue()
            name = default_storage.save(f"bench/lampiran-{i + 1:02d}.pdf", ContentFile(data))
            pool.append((name, len(data), hashlib.sha256(data).hexdigest()))
        return pool

    def _moment(self, world: TenantWorld) -> dt.datetime:
        """A time in office hours within the plan's years, in UTC."""
        days = self.rng.randrange(1, 365 * self.plan.years)
        local = (self.now - dt.timedelta(days=days)).astimezone(world.zone)
        local = local.replace(hour=self.rng.randint(7, 15), minute=self.rng.randrange(60))
        return min(local.astimezone(dt.UTC), self.now - dt.timedelta(hours=1))

    def _letter(self, world: TenantWorld, rows: dict, pdfs: list, *, created) -> None:
        draft = self._draw(world, created)
        self._number(world, draft)
        rows["letter"].append(self._letter_row(world, draft))
        rows["version"].append((draft.id, 1, draft.subject, "", draft.body, draft.drafter, created))
        rows["grant"].append((draft.drafter, self.view_letter, draft.id))
        if draft.id % self.plan.attachment_every == 0:
            name, size, sha = self.rng.choice(pdfs)
            rows["attachment"].append(
                (
                    draft.id,
                    AttachmentKind.ATTACHMENT,
                    name,
                    "lampiran.pdf",
                    "application/pdf",
                    size,
                    sha,
                    draft.drafter,
                    created,
                )
            )
        self._steps(world, rows, draft)
        self._history(world, rows, draft)
        self.stats["letters"] += 1

    def _draw(self, world: TenantWorld, created: dt.datetime) -> Draft:
        """Who writes a letter from which unit, what about, and how far it got by now."""
        rng = self.rng
        lid = self._take(Letter)
        unit_id = rng.choice(world.signing_units)
        head = world.heads[unit_id]
        staff = world.unit_users.get(unit_id) or [world.position_user.get(head.pk)]
        drafter = rng.choice([s for s in staff if s] or list(world.position_user.values()))
        letter_type = rng.choice(world.types)
        security = pick(rng, SECURITY_WEIGHTS)
        urgency = pick(rng, URGENCY_WEIGHTS)
        state = pick(rng, STATE_WEIGHTS)
        subject = rng.choice(SUBJECTS).format(x=rng.choice(TOPICS))
        body = f"<p>Dengan hormat, sehubungan dengan {subject.lower()}, kami sampaikan hal berikut.</p>"
        classification = rng.choice(CLASSIFICATIONS)
        draft = Draft(
            id=lid,
            created=created,
            unit_id=unit_id,
            head=head,
            drafter=drafter,
            signer=world.position_user.get(head.pk, drafter),
            letter_type=letter_type,
            security=security,
            urgency=urgency,
            state=state,
            subject=subject,
            body=body,
            classification=classification,
        )
        if draft.signed:
            draft.signed_at = min(created + dt.timedelta(hours=rng.randint(1, 30)), self.now)
        if draft.sent:
            sent_at = draft.signed_at + dt.timedelta(minutes=rng.randint(1, 90))
            draft.sent_at = min(sent_at, self.now)
        if draft.state == LetterState.RETRACTED:
            draft.retracted_at = min(draft.sent_at + dt.timedelta(days=1), self.now)
        return draft

    def _number(self, world: TenantWorld, draft: Draft) -> None:
        """A signed letter's number: the next in its register (numbering.register_key)."""
        if not draft.signed:
            return
        local = draft.signed_at.astimezone(world.zone).date()
        tenant_id = world.tenant.pk
        ltype = draft.letter_type
        unit = world.units[draft.unit_id]
        key = numbering.register_key(ltype, world.tenant, unit, local.year)
        draft.year = local.year
        draft.seq = self._count(tenant_id, key)
        draft.number = numbering.number_format(
            numbering.effective_pattern(ltype, world.tenant),
            seq=draft.seq,
            classification=draft.classification,
            unit_code=unit.code,
            type_code=ltype.code,
            on=local,
        )

    def _letter_row(self, world: TenantWorld, draft: Draft) -> tuple:
        """The letter's COPY row, in `tables.COLUMNS["letter"]` order."""
        signed = draft.signed
        return (
            draft.id,
            world.tenant.pk,
            draft.letter_type.pk,
            draft.subject,
            "",
            draft.body,
            draft.drafter,
            draft.unit_id,
            draft.head.pk,
            draft.classification,
            draft.security,
            draft.urgency,
            draft.state,
            1,
            0 if draft.state == LetterState.DRAFT else 1,
            draft.number,
            draft.seq,
            draft.unit_id if signed else None,
            draft.year,
            SigningMode.ELECTRONIC if signed else "",
            draft.signed_at,
            draft.signer if signed else None,
            draft.head.pk if signed else None,
            draft.sent_at,
            draft.retracted_at,
            "Salah alamat" if draft.retracted_at else "",
            "",
            "",
            "",
            "",
            False,
            "",
            "",
            draft.created,
            draft.retracted_at or draft.sent_at or draft.signed_at or draft.created,
        )

    def _steps(self, world: TenantWorld, rows: dict, draft: Draft) -> None:
        """One reviewer (the parent unit's head when there is one, else the head) and the
        signer's step; pending where the letter waits."""
        if draft.state == LetterState.DRAFT:
            return
        head = draft.head
        reviewer = head
        for parent_id, kids in world.children.items():
            if draft.unit_id in kids and parent_id in world.heads:
                reviewer = world.heads[parent_id]
                break

        def step(order, kind, position, state, reached_at, acted_at=None, by=None, seen=0):
            row = (draft.id, 1, order, kind, position, state, reached_at, acted_at, by, "", seen)
            rows["step"].append(row)

        reached = draft.created + dt.timedelta(minutes=5)
        if draft.state == LetterState.IN_REVIEW:
            step(1, StepKind.REVIEW, reviewer.pk, StepState.PENDING, reached)
            step(2, StepKind.SIGN, head.pk, StepState.WAITING, None)
            return
        acted = reached + dt.timedelta(minutes=30)
        reviewed_by = world.position_user.get(reviewer.pk)
        step(1, StepKind.REVIEW, reviewer.pk, StepState.APPROVED, reached, acted, reviewed_by, 1)
        if draft.state == LetterState.APPROVED:
            step(2, StepKind.SIGN, head.pk, StepState.PENDING, acted)
        else:
            signed_at, signer = draft.signed_at, draft.signer
            step(2, StepKind.SIGN, head.pk, StepState.APPROVED, acted, signed_at, signer, 1)

    def _history(self, world: TenantWorld, rows: dict, draft: Draft) -> None:
        """The letter's audit chain; a sent letter's deliveries (and their chains) are made
        between its sending and its retraction, as on the live platform."""
        log = self._chain(rows, world.tenant.pk, Letter, draft.id)
        log("letter.created", "", LetterState.DRAFT, draft.drafter, None, draft.created)
        if draft.state != LetterState.DRAFT:
            submitted = draft.created + dt.timedelta(minutes=5)
            log(
                "letter.submitted",
                LetterState.DRAFT,
                LetterState.IN_REVIEW,
                draft.drafter,
                None,
                submitted,
            )
        signer, post = draft.signer, draft.head.pk
        if draft.signed:
            log(
                "letter.signed",
                LetterState.APPROVED,
                LetterState.SIGNED,
                signer,
                post,
                draft.signed_at,
            )
        if draft.sent:
            log("letter.sent", LetterState.SIGNED, LetterState.SENT, signer, post, draft.sent_at)
            self._deliveries(world, rows, draft)
        if draft.retracted_at:
            log(
                "letter.retracted",
                LetterState.SENT,
                LetterState.RETRACTED,
                signer,
                post,
                draft.retracted_at,
            )
