"""Signing on behalf (a.n., u.b.): who may sign under a mandate, which register numbers such a
letter, and that a mandate's holder is a signer for the second-factor rule."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.permissions import needs_second_factor
from correspondence import services as svc
from correspondence.models import Letter, SigningMandate
from correspondence.permissions import holds_signing_post, letter_signer_allowed, mandate_for
from correspondence.services import RecipientInput

from ..factories import PASSWORD
from .helpers import letter_type, signed


def give(world, grantor: str, holder: str, types=(), *, via: str | None = None, active=True):
    """A mandate of the world's tenant: `holder` signs a.n. `grantor` (u.b. under `via`)."""
    return SigningMandate.objects.create(
        tenant=world.tenant,
        grantor=world.positions[grantor],
        holder=world.positions[holder],
        via=world.positions[via] if via else None,
        letter_type_codes=list(types),
        is_active=active,
    )


# (mandates given, letter type, signer post, a.n. post or None, may sign, the mandate used)
CASES = {
    "a.n. for a type the mandate covers": (
        [("kadis_kominfo", "sekdis_kominfo", ["surat_dinas"], None, True)],
        "surat_dinas",
        "sekdis_kominfo",
        "kadis_kominfo",
        True,
        ("kadis_kominfo", "sekdis_kominfo"),
    ),
    "a.n. for a type the mandate does not cover": (
        [("kadis_kominfo", "sekdis_kominfo", ["surat_dinas"], None, True)],
        "nota_dinas",
        "sekdis_kominfo",
        "kadis_kominfo",
        False,
        None,
    ),
    "a mandate without types covers every type the grantor signs": (
        [("kadis_kominfo", "sekdis_kominfo", [], None, True)],
        "nota_dinas",
        "sekdis_kominfo",
        "kadis_kominfo",
        True,
        ("kadis_kominfo", "sekdis_kominfo"),
    ),
    "u.b. under the mandate of the post in between": (
        [
            ("walikota", "sekda", ["surat_dinas", "undangan"], None, True),
            ("walikota", "kadis_kominfo", ["surat_dinas"], "sekda", True),
        ],
        "surat_dinas",
        "kadis_kominfo",
        "walikota",
        True,
        ("walikota", "kadis_kominfo"),
    ),
    "u.b. without the mandate of the post in between": (
        [("walikota", "kadis_kominfo", ["surat_dinas"], "sekda", True)],
        "surat_dinas",
        "kadis_kominfo",
        "walikota",
        False,
        None,
    ),
    "u.b. when the upper mandate does not cover the type": (
        [
            ("walikota", "sekda", ["undangan"], None, True),
            ("walikota", "kadis_kominfo", [], "sekda", True),
        ],
        "surat_dinas",
        "kadis_kominfo",
        "walikota",
        False,
        None,
    ),
    "u.b. when the upper mandate is inactive": (
        [
            ("walikota", "sekda", [], None, False),
            ("walikota", "kadis_kominfo", [], "sekda", True),
        ],
        "surat_dinas",
        "kadis_kominfo",
        "walikota",
        False,
        None,
    ),
    "an inactive mandate": (
        [("kadis_kominfo", "sekdis_kominfo", ["surat_dinas"], None, False)],
        "surat_dinas",
        "sekdis_kominfo",
        "kadis_kominfo",
        False,
        None,
    ),
    "a grantor the type's rule does not let sign": (
        # surat_edaran: heads of an OPD or above; the head of a bidang is neither
        [("kabid_tik", "sekdis_kominfo", ["surat_edaran"], None, True)],
        "surat_edaran",
        "sekdis_kominfo",
        "kabid_tik",
        False,
        ("kabid_tik", "sekdis_kominfo"),  # the mandate exists; the rule refuses its grantor
    ),
    "a grantor the type's rule lets sign": (
        [("walikota", "sekda", ["surat_edaran"], None, True)],
        "surat_edaran",
        "sekda",
        "walikota",
        True,
        ("walikota", "sekda"),
    ),
    "a mandate held by another post": (
        [("kadis_kominfo", "kabid_tik", ["surat_dinas"], None, True)],
        "surat_dinas",
        "sekdis_kominfo",
        "kadis_kominfo",
        False,
        None,
    ),
    "a mandate from another grantor": (
        [("kaban_bappeda", "sekdis_kominfo", ["surat_dinas"], None, True)],
        "surat_dinas",
        "sekdis_kominfo",
        "kadis_kominfo",
        False,
        None,
    ),
    "no a.n.: a holder of a mandate who may not sign in their own name": (
        [("kadis_kominfo", "sekdis_kominfo", ["surat_dinas"], None, True)],
        "surat_dinas",
        "sekdis_kominfo",
        None,
        False,
        None,
    ),
    "no a.n.: the head signs in their own name": (
        [],
        "surat_dinas",
        "kadis_kominfo",
        None,
        True,
        None,
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_who_may_sign_under_a_mandate(world, case):
    given, code, signer, behalf, allowed, used = CASES[case]
    # GIVEN the mandates of the case
    for grantor, holder, types, via, active in given:
        give(world, grantor, holder, types, via=via, active=active)
    kind = letter_type(world, code)
    letter = Letter(
        tenant=world.tenant,
        letter_type=kind,
        signer_position=world.positions[signer],
        on_behalf_of=world.positions[behalf] if behalf else None,
    )
    # WHEN the rule is asked about the letter's signer
    # THEN it answers as the case says, and names the mandate it would sign under
    assert letter_signer_allowed(letter, world.positions[signer]) is allowed
    if behalf is not None:
        mandate = mandate_for(kind, world.positions[signer], world.positions[behalf])
        if used is None:
            assert mandate is None
        else:
            assert (mandate.grantor, mandate.holder) == tuple(world.positions[p] for p in used)


def test_a_mandate_does_not_let_another_post_of_the_route_sign(world):
    # GIVEN the Sekretaris signs a.n. the Kepala; the letter is a.n. the Kepala
    give(world, "kadis_kominfo", "sekdis_kominfo", ["surat_dinas"])
    letter = Letter(
        tenant=world.tenant,
        letter_type=letter_type(world, "surat_dinas"),
        signer_position=world.positions["sekdis_kominfo"],
        on_behalf_of=world.positions["kadis_kominfo"],
    )
    # THEN a post that is not the letter's signer is judged by the type's rule alone
    assert letter_signer_allowed(letter, world.positions["kabid_tik"])
    assert not letter_signer_allowed(letter, world.positions["prakom_muda"])


def test_a_draft_signed_an_without_a_mandate_is_refused(world):
    # GIVEN no mandate
    # WHEN a draft names the Sekretaris as signer a.n. the Kepala
    # THEN it is refused on its signer
    with pytest.raises(ValidationError) as exc:
        _draft(world, signer="sekdis_kominfo", behalf="kadis_kominfo")
    assert "signer_position" in exc.value.message_dict


def _draft(world, *, signer: str, behalf: str | None = None) -> Letter:
    return svc.letter_create(
        by=world.drafter,
        letter_type=letter_type(world, "surat_dinas"),
        subject="Permohonan data aplikasi",
        body="<p>Dengan hormat,</p>",
        recipients=[RecipientInput(kind="to", unit=world.units["bappeda"])],
        signer_position=world.positions[signer],
        on_behalf_of=world.positions[behalf] if behalf else None,
    )


def _signed_by_kabid(world, *, behalf: str | None = None) -> Letter:
    """A draft of the Seksi Aptika, initialled by its head, signed by the Kepala Bidang TIK
    (a.n. `behalf` when given)."""
    letter = _draft(world, signer="kabid_tik", behalf=behalf)
    letter = svc.letter_submit(letter=letter, by=world.drafter)
    letter = svc.letter_approve(letter=letter, by=world.reviewer)
    return svc.letter_sign(passphrase=PASSWORD, letter=letter, by=world.reviewer2)


def test_a_letter_signed_an_takes_its_number_from_the_register_of_the_post_signed_for(world):
    # GIVEN the Kepala Bidang TIK signs surat dinas a.n. the Kepala Dinas Kominfo
    give(world, "kadis_kominfo", "kabid_tik", ["surat_dinas"])
    # WHEN the Kepala Bidang signs one letter in their own name and one a.n. the Kepala Dinas
    own = _signed_by_kabid(world)
    behalf = _signed_by_kabid(world, behalf="kadis_kominfo")
    # THEN the own letter is numbered in the bidang's register, the a.n. one in the dinas'
    assert own.signed_as == behalf.signed_as == world.positions["kabid_tik"]
    assert own.number_unit == world.units["bid_tik"]
    assert own.number == f"1/-/BID_TIK/{own.number_year}"
    assert behalf.on_behalf_of == world.positions["kadis_kominfo"]
    assert behalf.number_unit == world.units["kominfo"]
    assert behalf.number == f"1/-/KOMINFO/{behalf.number_year}"
    assert behalf.pdf and behalf.pdf_sha256  # sealed with that number
    # AND the Kepala Dinas's next letter continues the same register
    plain = signed(world)
    assert plain.number_unit == world.units["kominfo"]
    assert (plain.number_year, plain.number_seq) == (behalf.number_year, 2)


@pytest.mark.parametrize(
    ("mandate", "expected"),
    [
        pytest.param(None, False, id="no mandate"),
        pytest.param({"types": ["surat_dinas"]}, True, id="an active mandate"),
        pytest.param({"types": [], "active": False}, False, id="an inactive mandate"),
    ],
)
def test_the_holder_of_a_mandate_signs_and_so_needs_a_second_factor(world, mandate, expected):
    # GIVEN the agenda clerk, whose post signs nothing by any type's rule
    clerk = world.clerk
    if mandate is not None:
        give(world, "kadis_kominfo", "pengadm_kominfo", **mandate)
    # THEN the clerk holds a signing post (and must use a second factor) only by an active mandate
    assert holds_signing_post(clerk) is expected
    assert needs_second_factor(clerk) is expected


def test_ending_a_mandate_ends_the_second_factor_rule_for_its_holder(world):
    mandate = give(world, "kadis_kominfo", "pengadm_kominfo", ["surat_dinas"])
    assert holds_signing_post(world.clerk)
    mandate.is_active = False
    mandate.save()
    assert not holds_signing_post(world.clerk)
