"""One number, one letter: a register follows what the number pattern shows, the database
refuses a number given twice, the tenant file refuses patterns that could give one, and
`number_duplicates` repairs what was given before."""

import datetime as dt
import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from correspondence import numbering
from correspondence import services as svc
from correspondence.models import Letter, LetterType, NumberCounter
from organizations.tenantfile import parse
from workflows.models import TransitionLog
from workflows.selectors import audit_verify

from ..organizations.test_tenantfile import GOOD, write
from .helpers import draft, letter_type, signed

ROOT = Path(__file__).resolve().parents[2]
DEMO = sorted((ROOT / "tenants").glob("*.yaml")) + sorted((ROOT / "tenants").glob("*.toml"))
# Types the head of Kominfo signs alone, each with its own default layout.
TYPES = ["surat_dinas", "undangan", "surat_keputusan", "nota_dinas", "surat_tugas"]


def of_type(world, code: str, **kw) -> Letter:
    """A letter of the type signed by the head of Kominfo (an Undangan with its event)."""
    if code == "undangan":
        start = timezone.now() + dt.timedelta(days=7)
        kw |= {"event_start": start, "event_end": start + dt.timedelta(hours=2)}
        kw |= {"event_location": "Aula Kominfo"}
    return signed(world, code=code, **kw)


def pattern_set(world, pattern: str, **types: str) -> None:
    world.tenant.number_pattern = pattern
    world.tenant.save(update_fields=["number_pattern"])
    for code, own in types.items():
        LetterType.objects.filter(tenant=world.tenant, code=code).update(number_pattern=own)


@pytest.mark.parametrize("path", DEMO, ids=[p.name for p in DEMO])
def test_a_demo_tenants_pattern_gives_every_type_its_own_number(world, path):
    # GIVEN the pattern of a real tenant file (and its types' own patterns, if any)
    parsed = parse(path)
    own = {e.code: e.number_pattern for e in parsed.sections.get("letter_types", [])}
    pattern_set(world, parsed.core.tenant.number_pattern, **{c: p for c, p in own.items() if p})
    # WHEN the head of one unit signs a letter of each type in one year
    letters = [of_type(world, code, subject=f"Hal {code}") for code in TYPES]
    # THEN no two carry the same number, and one sequence numbered them all
    numbers = [x.number for x in letters]
    assert len(set(numbers)) == len(numbers), numbers
    assert [x.number_seq for x in letters] == list(range(1, len(TYPES) + 1))
    assert {x.number_year for x in letters} == {letters[0].signed_at.year}


# pattern, what differs between the two registers asked for, whether they are one register
REGISTERS = [
    ("{seq}/{classification}/{unit}/{year}", "type", True),
    ("{seq}/{classification}/{unit}/{year}", "unit", False),
    ("{seq}/{classification}/{unit}/{year}", "year", False),
    ("{seq}/{classification}/{year}", "unit", True),
    ("{seq}/{type}/{unit}/{year}", "type", False),
    ("{seq}/{type}/{unit}/{year}", "unit", False),
    ("{seq}/{unit}/{month_roman}", "year", True),
    ("{seq}/{unit}/{month_roman}", "type", True),
]


@pytest.mark.parametrize(("pattern", "differ", "shared"), REGISTERS)
def test_a_register_varies_only_by_what_the_pattern_shows(world, pattern, differ, shared):
    pattern_set(world, pattern)
    one = {"type": letter_type(world), "unit": world.units["kominfo"], "year": 2026}
    other = dict(one)
    other[differ] = {
        "type": letter_type(world, "undangan"),
        "unit": world.units["bappeda"],
        "year": 2027,
    }[differ]
    key = [
        numbering.register_key(r["type"], world.tenant, r["unit"], r["year"]) for r in (one, other)
    ]
    assert (key[0] == key[1]) is shared


def test_a_type_with_its_own_pattern_has_its_own_register(world):
    pattern_set(
        world, "{seq}/{classification}/{unit}/{year}", surat_keputusan="{seq}/KEP/{unit}/{year}"
    )
    dinas = signed(world)
    sk = signed(world, code="surat_keputusan")
    undangan = of_type(world, "undangan")
    assert [dinas.number_seq, sk.number_seq, undangan.number_seq] == [1, 1, 2]
    assert sk.number == f"1/KEP/KOMINFO/{sk.number_year}"


@pytest.mark.parametrize(
    ("pattern", "first"),
    [("{seq}/{classification}/{unit}/{year}", 4), ("{seq}/{type}/{unit}/{year}", 1)],
    ids=["shared", "per-type"],
)
def test_reserved_numbers_come_from_the_signed_letters_register(world, pattern, first):
    # GIVEN three numbers reserved for Undangan made by hand
    pattern_set(world, pattern)
    rows = svc.numbers_reserve(
        unit=world.units["kominfo"],
        letter_type=letter_type(world, "undangan"),
        count=3,
        by=world.clerk,
    )
    assert [r.seq for r in rows] == [1, 2, 3]
    # WHEN a Surat Dinas is signed THEN it follows them when the pattern has no {type}
    letter = signed(world)
    assert letter.number_seq == first
    assert letter.number not in {r.number for r in rows}


def test_the_database_refuses_a_number_given_twice(world):
    first = signed(world)
    second = signed(world, subject="Kedua")
    with pytest.raises(IntegrityError), transaction.atomic():
        Letter.objects.filter(pk=second.pk).update(number=first.number)
    # letters without a number (drafts; incoming letters keep theirs in sender_number)
    assert [draft(world).number, draft(world).number] == ["", ""]


REFUSED = {
    "a tenant pattern without {seq}": (
        {"tenant_pattern": "{classification}/{unit}/{year}"},
        "tenant > number_pattern ({classification}/{unit}/{year}): the pattern needs {seq}",
    ),
    "{seq} run into a placeholder": (
        {"tenant_pattern": "{seq}{classification}/{year}"},
        "{seq} needs text other than a digit on each side",
    ),
    "{seq} run into a digit": (
        {"type_pattern": "{seq}1/{unit}/{year}"},
        "letter_types[0] (surat_keputusan) > number_pattern: Value error, {seq} needs text",
    ),
    "a type's pattern without {seq}": (
        {"type_pattern": "KEP/{unit}/{year}"},
        "letter_types[0] (surat_keputusan) > number_pattern: Value error, the pattern needs {seq}",
    ),
    "two patterns with the same text": (
        {"type_pattern": "{seq}/{unit}/{classification}/{year}"},
        (
            "letter types surat_dinas (pattern {seq}/{classification}/{unit}/{year}) and "
            "surat_keputusan (pattern {seq}/{unit}/{classification}/{year}) could give the same "
            "number"
        ),
    ),
    "{type} where another type's pattern has {unit}": (
        {"type_pattern": "{seq}/{classification}/{type}/{year}"},
        "could give the same number",
    ),
}


def tenant_file(tmp_path, *, tenant_pattern=None, type_pattern=None) -> str:
    text = GOOD
    if tenant_pattern is not None:
        text = text.replace("  domains:", f'  number_pattern: "{tenant_pattern}"\n  domains:')
    if type_pattern is not None:
        text += f'letter_types:\n  - {{code: surat_keputusan, name: SK, number_pattern: "{type_pattern}"}}\n'
    return str(write(tmp_path, text))


@pytest.mark.django_db
@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_the_tenant_file_refuses_patterns_that_could_give_a_number_twice(tmp_path, case):
    patterns, expected = REFUSED[case]
    with pytest.raises(CommandError) as exc:
        call_command("load_tenant", tenant_file(tmp_path, **patterns))
    assert expected in str(exc.value)
    assert "Nothing was loaded" in str(exc.value)
    assert not LetterType.objects.filter(tenant__slug="kotabaru").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "patterns",
    [
        {"type_pattern": "{seq}/KEP/{unit}/{year}"},  # its own text: its own register
        {"type_pattern": "{seq}/{classification}/{unit}/{year}"},  # the tenant's: shared
        {"type_pattern": "KEP-{seq}/{unit}"},  # no {year}: a register that never restarts
        {"tenant_pattern": "{seq}/{type}/{unit}/{year}"},
    ],
    ids=["own text", "same pattern", "no year", "with type"],
)
def test_the_tenant_file_takes_patterns_that_cannot(tmp_path, patterns):
    call_command("load_tenant", tenant_file(tmp_path, **patterns))
    assert LetterType.objects.filter(tenant__slug="kotabaru").exists()


@pytest.fixture
def without_unique_numbers(db):
    """Letters numbered as before registers followed the pattern: the constraint dropped for
    the test (its transaction puts it back)."""
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX letter_number_issued_once")


def numbered_twice(world, *, signed_pdf: bool = False) -> tuple[Letter, Letter]:
    """A Surat Dinas and, signed after it, an Undangan that got the same number (the old per-type
    counters did that)."""
    first = signed(world)
    later = of_type(world, "undangan", subject="Undangan rapat")
    Letter.objects.filter(pk=later.pk).update(
        number=first.number,
        number_seq=first.number_seq,
        pdf="letters/pdf/2026/signed.pdf" if signed_pdf else "",
    )
    NumberCounter.objects.filter(key__startswith="reg:").update(last=1)
    return first, later


@pytest.mark.parametrize("signed_pdf", [False, True], ids=["no PDF", "signed PDF"])
def test_number_duplicates_lists_and_repairs(world, without_unique_numbers, capsys, signed_pdf):
    first, later = numbered_twice(world, signed_pdf=signed_pdf)
    old = first.number
    # WHEN listed THEN both letters are named and nothing changes
    call_command("number_duplicates", "medan")
    out = capsys.readouterr().out
    assert f"medan: {old} is held by 2:" in out
    assert f"letter {first.pk} (surat_dinas" in out and f"letter {later.pk} (undangan" in out
    assert Letter.objects.get(pk=later.pk).number == old
    # WHEN repaired THEN the later letter has the register's next number and keeps the old one
    call_command("number_duplicates", "--repair")
    out = capsys.readouterr().out
    later.refresh_from_db()
    first.refresh_from_db()
    assert first.number == old and first.number_previous == ""
    assert later.number_previous == old
    assert later.number == old.replace("1/", "2/", 1) and later.number_seq == 2
    assert f"letter {later.pk}: {old} -> {later.number}" in out
    row = TransitionLog.objects.filter(action="letter.renumbered").get()
    assert row.object_id == later.pk
    assert f"number {old} -> {later.number}: letter {first.pk} was given {old} first" in row.note
    assert ("the signed PDF still carries" in row.note) is signed_pdf
    assert ("signed PDF was not changed and still carries" in out) is signed_pdf
    assert bool(later.pdf) is signed_pdf
    assert audit_verify() == []
    # AND a second run finds nothing
    call_command("number_duplicates", "--repair")
    assert "No number is shared" in capsys.readouterr().out


def test_number_duplicates_names_an_unknown_tenant(world):
    with pytest.raises(CommandError, match="No tenant nowhere"):
        call_command("number_duplicates", "nowhere")


def test_the_migration_merges_counters_and_repairs_duplicates(world, without_unique_numbers):
    # GIVEN the per-type counters and a number given twice, as before migration 0012
    first, later = numbered_twice(world)
    NumberCounter.objects.all().delete()
    kominfo, year = world.units["kominfo"].pk, first.number_year
    for code, last in [("surat_dinas", 1), ("undangan", 5), ("nota_dinas", 3)]:
        NumberCounter.objects.create(
            tenant=world.tenant,
            key=f"out:{world.tenant.pk}:{kominfo}:{letter_type(world, code).pk}:{year}",
            last=last,
        )
    migration = importlib.import_module("correspondence.migrations.0012_number_registers")
    editor = SimpleNamespace(connection=connection, execute=connection.cursor().execute)
    # WHEN its data step runs
    migration.registers_merge(apps, editor)
    # THEN one register holds the largest of them, and the later letter took the next number
    key = numbering.register_key(letter_type(world), world.tenant, world.units["kominfo"], year)
    assert list(NumberCounter.objects.values_list("key", "last")) == [(key, 6)]
    later.refresh_from_db()
    assert (later.number_seq, later.number_previous) == (6, first.number)
    assert signed(world, subject="Sesudahnya").number_seq == 7
