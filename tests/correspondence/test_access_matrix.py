"""Who may do what with a letter: role × security level × action × state, through the policy
(services) and through HTTP. A reviewer can read the expected outcome straight from MATRIX.

Actions: L list (API letters list), O open (letter page), A download an attachment,
D disposition (the delivery to Bappeda, or further down for the assignee), C comment.
The letter: drafted in Seksi Aptika, reviewed by the Kasi and the Kabid, signed by the head of
Kominfo, sent to Bappeda (for Rahasia and above: addressed to the head of Bappeda).

The four levels reach four different sets of people (the default reach, `workflows.reach`):
Biasa the unit inbox (head, delegate, TU, agenda clerk); Terbatas without the agenda clerk;
Rahasia only the addressed post and whoever its inbox is delegated to; Sangat Rahasia only the
addressed post's holder. On the sending side the same reach applies to the unit's outbox.
Named people (drafter, reviewers, signer, disposition assignee) read every level.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from correspondence import permissions as policy
from correspondence import services as svc
from correspondence.models import Comment, Letter
from organizations.choices import RoleKind
from organizations.services import assignment_create, role_grant
from tests.conftest import client_for
from tests.factories import PositionFactory, UserFactory

from ..factories import PASSWORD
from .helpers import PDF, delivery_to, draft, through_review

LEVELS = ["biasa", "terbatas", "rahasia", "sangat_rahasia"]
MATRIX = """
role              state       biasa  terbatas  rahasia  sangat_rahasia
drafter           in_review   LOA-C  LOA-C     LOA-C    LOA-C
reviewer          in_review   LOA-C  LOA-C     LOA-C    LOA-C
signer            in_review   -----  -----     -----    -----
recipient_head    in_review   -----  -----     -----    -----
sender_clerk      in_review   -----  -----     -----    -----
drafter           sent        LOA-C  LOA-C     LOA-C    LOA-C
reviewer          sent        LOA-C  LOA-C     LOA-C    LOA-C
signer            sent        LOA-C  LOA-C     LOA-C    LOA-C
sender_clerk      sent        LOA-C  -----     -----    -----
sender_tu         sent        LOA-C  LOA-C     -----    -----
recipient_head    sent        LOADC  LOADC     LOADC    LOADC
delegate          sent        LOADC  LOADC     LOADC    -----
recipient_tu      sent        LOA-C  LOA-C     -----    -----
agenda_clerk      sent        LOA-C  -----     -----    -----
unit_member       sent        -----  -----     -----    -----
assignee          sent        LOADC  LOADC     LOADC    LOADC
unrelated         sent        -----  -----     -----    -----
tenant_admin      sent        -----  -----     -----    -----
foreign_user      sent        -----  -----     -----    -----
anonymous         sent        -----  -----     -----    -----
"""


def test_every_level_reaches_its_own_people():
    """The matrix itself: no two levels give the same column (Terbatas is not Biasa)."""
    lines = [line.split() for line in MATRIX.strip().splitlines()[1:]]
    columns = [tuple(cells[i] for _role, _state, *cells in lines) for i in range(len(LEVELS))]
    assert len(set(columns)) == len(LEVELS)


def _rows():
    lines = [line.split() for line in MATRIX.strip().splitlines()[1:]]
    for role, state, *cells in lines:
        for level, cell in zip(LEVELS, cells, strict=True):
            yield pytest.param(role, state, level, cell, id=f"{role}-{state}-{level}")


def _build(world, state: str, level: str):
    letter = draft(world, security=level)
    svc.attachment_add(
        letter=letter, by=world.drafter, upload=SimpleUploadedFile("lampiran.pdf", PDF)
    )
    member_pos = PositionFactory(unit=world.units["bappeda"], title="Analis Kebijakan")
    member = UserFactory(tenant=world.tenant, username="analis")
    assignment_create(user=member, position=member_pos, start_date=dt.date(2020, 1, 1))
    # Bappeda's TU (secretary role) and the person the head's inbox is delegated to.
    tu_pos = PositionFactory(unit=world.units["bappeda"], title="Kepala Subbagian Umum")
    tu = UserFactory(tenant=world.tenant, username="tu_bappeda")
    assignment_create(user=tu, position=tu_pos, start_date=dt.date(2020, 1, 1))
    role_grant(user=tu, kind=RoleKind.SECRETARY, unit=world.units["bappeda"])
    deputy_pos = PositionFactory(unit=world.units["bappeda"], title="Sekretaris Bappeda")
    deputy = UserFactory(tenant=world.tenant, username="sekban")
    assignment_create(user=deputy, position=deputy_pos, start_date=dt.date(2020, 1, 1))
    # From yesterday: "today" differs by time zone (the tenant's WIB, a plain call's UTC).
    today = svc.tenant_today(world.tenant)
    svc.delegation_create(
        by=world.bappeda_head,
        delegate=deputy,
        start_date=today - dt.timedelta(days=1),
        end_date=today + dt.timedelta(days=30),
        reason="dinas luar",
    )
    people = {"unit_member": member, "recipient_tu": tu, "delegate": deputy}
    if state == "in_review":
        svc.letter_submit(letter=letter, by=world.drafter)
        return Letter.objects.get(pk=letter.pk), None, people
    letter = svc.letter_sign(
        passphrase=PASSWORD, letter=through_review(world, letter), by=world.head
    )
    letter = svc.letter_send(letter=letter, by=world.head)
    delivery = delivery_to(letter, world, "bappeda")
    (disposition,) = svc.disposition_create(
        delivery=delivery,
        by=world.bappeda_head,
        to_positions=[world.positions["perencana"]],
        instructions=["tindak_lanjuti"],
    )
    return letter, disposition, people


def _user(world, role, people):
    if role in people:
        return people[role]
    return {
        "drafter": world.drafter,
        "reviewer": world.reviewer,
        "signer": world.head,
        "sender_clerk": world.clerk,
        "sender_tu": world.secretary,
        "recipient_head": world.bappeda_head,
        "agenda_clerk": world.bappeda_clerk,
        "assignee": world.bappeda_staff,
        "unrelated": world.outsider,
        "tenant_admin": world.tenant_admin,
        "foreign_user": world.foreigner,
        "anonymous": AnonymousUser(),
    }[role]


def _can_disposition(user, letter, disposition) -> bool:
    if disposition is None:
        return False
    delivery = disposition.delivery
    return policy.can_disposition_delivery(user, delivery) or policy.can_disposition_further(
        user, disposition
    )


@pytest.mark.parametrize(("role", "state", "level", "cell"), list(_rows()))
def test_policy(world, role, state, level, cell):
    letter, disposition, people = _build(world, state, level)
    user = _user(world, role, people)
    att = letter.attachments.get()
    got = "".join(
        [
            "L" if Letter.objects.visible_to(user).filter(pk=letter.pk).exists() else "-",
            "O" if policy.can_view_letter(user, letter) else "-",
            "A" if policy.can_view_letter(user, att.letter) else "-",
            "D" if _can_disposition(user, letter, disposition) else "-",
            "C" if policy.can_comment_letter(user, letter) else "-",
        ]
    )
    assert got == cell


@pytest.mark.parametrize(("role", "state", "level", "cell"), list(_rows()))
def test_http(world, role, state, level, cell):
    letter, disposition, people = _build(world, state, level)
    user = _user(world, role, people)
    client = client_for(
        None if role == "anonymous" else user, tenant=getattr(user, "tenant", None) or world.tenant
    )
    att = letter.attachments.get()
    listed = client.get(reverse("api:letter-list"), {"page_size": 100})
    ids = [r["id"] for r in listed.json()["results"]] if listed.status_code == 200 else []
    page = client.get(reverse("correspondence:letter", args=[letter.pk]))
    download = client.get(reverse("correspondence:attachment", args=[att.pk]))
    got = "L" if letter.pk in ids else "-"
    got += "O" if page.status_code == 200 else "-"
    got += "A" if download.status_code == 200 else "-"
    if disposition is not None:
        # the head dispositions the delivery; the assignee passes theirs further down
        body = {
            "to_positions": [world.positions["pengadm_bappeda"].pk],
            "instructions": ["diketahui"],
        }
        if role == "assignee":
            body["parent"] = disposition.pk
        r = client.post(
            reverse("api:delivery-dispositions", args=[disposition.delivery_id]),
            body,
            content_type="application/json",
        )
        got += "D" if r.status_code == 201 else "-"
        assert r.status_code in (201, 401, 403, 404)
    else:
        got += "-"
    before = Comment.objects.count()
    client.post(reverse("correspondence:comment", args=[letter.pk]), {"text": "catatan"})
    got += "C" if Comment.objects.count() == before + 1 else "-"
    assert got == cell
    if "O" not in cell and role != "anonymous":
        assert page.status_code == 404 and download.status_code == 404  # never a 403 that leaks
    if "A" in cell and level in ("rahasia", "sangat_rahasia"):
        assert download["Cache-Control"] == "private, no-store"


# Bappeda's unit inbox (the delivery of the sent letter): who finds it there, by level. The
# unit's head, the head's delegate, its TU and its registry clerk work that inbox as far as
# each level reaches (Rahasia and above are addressed to the head's post); the assignee finds
# it through their disposition.
UNIT_INBOX = """
role              biasa  terbatas  rahasia  sangat_rahasia
recipient_head    Y      Y         Y        Y
delegate          Y      Y         Y        -
recipient_tu      Y      Y         -        -
agenda_clerk      Y      -         -        -
assignee          Y      Y         Y        Y
unit_member       -      -         -        -
drafter           -      -         -        -
signer            -      -         -        -
unrelated         -      -         -        -
tenant_admin      -      -         -        -
foreign_user      -      -         -        -
anonymous         -      -         -        -
"""


def _inbox_rows():
    for role, *cells in (line.split() for line in UNIT_INBOX.strip().splitlines()[1:]):
        for level, cell in zip(LEVELS, cells, strict=True):
            yield pytest.param(role, level, cell == "Y", id=f"{role}-{level}")


@pytest.mark.parametrize(("role", "level", "listed"), list(_inbox_rows()))
def test_unit_inbox(world, role, level, listed):
    from correspondence.selectors import inbox_counts, inbox_list

    letter, _disposition, people = _build(world, "sent", level)
    user = _user(world, role, people)
    rows = inbox_list(user, unit=world.units["bappeda"])
    found = [d.letter_id for d in rows]
    assert (letter.pk in found) is listed
    assert inbox_counts(rows)[0] == len(found)
    if role in ("recipient_head", "agenda_clerk", "recipient_tu", "delegate"):
        # the inbox page of the unit they work
        page = client_for(user).get(
            reverse("correspondence:inbox"), {"unit": world.units["bappeda"].pk}
        )
        assert (letter.subject.encode() in page.content) is listed
