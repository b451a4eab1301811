"""The tenant file's `letter_types`, `disposition_instructions`, `address_book`,
`signing_mandates`, `letter_templates` and `recipient_groups` sections."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, ValidationInfo, field_validator

from organizations.choices import UnitKind
from organizations.models import Position, Unit
from organizations.services import position_by_ref
from organizations.tenantfile import CODE, Section, Strict, TenantFileError, rows_upsert

from .choices import LetterScope, SignerRule
from .layouts import DEFAULTS, Layout, layout_build
from .models import (
    AddressBookEntry,
    DispositionInstruction,
    LetterTemplate,
    LetterType,
    RecipientGroup,
    SigningMandate,
)
from .numbering import effective_pattern, pattern_check, patterns_check
from .permissions import signer_allowed
from .services import body_sanitize, letter_types_ensure_defaults
from .services.defaults import OUTAGE_BLOCKS

POSITION_REF = r"^[^:]+:[^:]+$"  # UNIT_CODE:POSITION_CODE


class LetterTypeEntry(Strict):
    code: str = Field(pattern=CODE, max_length=30)
    name: str = Field(min_length=1, max_length=120)
    number_pattern: str = Field(default="", max_length=120)
    scope: LetterScope = LetterScope.BOTH
    signer_rule: SignerRule = SignerRule.UNIT_HEAD
    signer_positions: list[str] = []
    creates_event: bool = False
    multiple_signers: bool = False
    direct_to_signer: bool = False
    # Outage numbers each unit that may number the type holds (0: none); when left out, the
    # standard types' own (services.defaults.OUTAGE_BLOCKS) or 0.
    outage_block: int | None = Field(default=None, ge=0, le=50)
    # Changes to the default layout of the type's code (correspondence.layouts.Layout fields).
    layout: dict[str, Any] = {}
    active: bool = True

    @field_validator("number_pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        if value:
            pattern_check(value)
        return value

    @field_validator("layout")
    @classmethod
    def _layout(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        if value:
            layout_check(info.data.get("code", ""), value)
        return value


def layout_check(code: str, changes: dict[str, Any]) -> None:
    """Refuse layout changes `layout_build` refuses, with a ValueError that names each field."""
    unknown = sorted(set(changes) - set(Layout.model_fields))
    if unknown:
        raise ValueError(
            f"unknown layout field(s) {', '.join(unknown)}; "
            f"expected {', '.join(Layout.model_fields)}"
        )
    try:
        layout_build(code, changes)
    except ValueError:
        # Validated again for the errors one by one (layout_build gives them as one text).
        try:
            Layout.model_validate({**DEFAULTS.get(code, {}), **changes})
        except ValidationError as detail:
            raise ValueError(
                "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in detail.errors()
                )
            ) from None
        raise


class InstructionEntry(Strict):
    code: str = Field(pattern=CODE, max_length=30)
    text: str = Field(min_length=1, max_length=120)
    represents: bool = False
    active: bool = True


class AddressEntry(Strict):
    name: str = Field(min_length=1, max_length=200)
    organization: str = Field(default="", max_length=200)
    address: str = ""
    email: str = ""


class MandateEntry(Strict):
    """`signer` signs letters of `types` (all the grantor may sign when empty) a.n. the post
    `for`; with `via`, u.b. under the mandate `via` holds from the same post."""

    grantor: str = Field(alias="for", pattern=POSITION_REF)
    signer: str = Field(pattern=POSITION_REF)
    via: str | None = Field(default=None, pattern=POSITION_REF)
    types: list[str] = []


def _ordered(order: int, entry) -> dict[str, int]:
    return {"sort_order": 200 + order}  # after the defaults of the rules


def _type_extra(order: int, entry: LetterTypeEntry) -> dict[str, int]:
    block = entry.outage_block
    if block is None:
        block = OUTAGE_BLOCKS.get(entry.code, 0)
    return _ordered(order, entry) | {"outage_block": block}


def _load_types(tenant, entries: list[LetterTypeEntry], base_dir: Path) -> dict[str, int]:
    made = letter_types_ensure_defaults(tenant)
    made += rows_upsert(
        LetterType,
        tenant,
        entries,
        rename={"signer_positions": "signer_position_codes"},
        extra=_type_extra,
    )
    _patterns_check(tenant)
    return {"letter types": made} if made else {}


def _patterns_check(tenant) -> None:
    """Refuse number patterns that could give one number twice (numbering.patterns_check),
    among all the tenant's types, the file's and those already in the database."""
    try:
        pattern_check(tenant.number_pattern)
    except ValueError as exc:
        raise TenantFileError(f"tenant > number_pattern ({tenant.number_pattern}): {exc}") from None
    types = LetterType.objects.filter(tenant=tenant).order_by("sort_order", "code")
    try:
        patterns_check({t.code: effective_pattern(t, tenant) for t in types})
    except ValueError as exc:
        raise TenantFileError(f"letter_types: {exc}") from None


def _load_instructions(tenant, entries: list[InstructionEntry], base_dir: Path) -> dict[str, int]:
    made = rows_upsert(DispositionInstruction, tenant, entries, extra=_ordered)
    return {"disposition instructions": made} if made else {}


def _load_addresses(tenant, entries: list[AddressEntry], base_dir: Path) -> dict[str, int]:
    made = rows_upsert(AddressBookEntry, tenant, entries, key=("name", "organization"))
    return {"addressees": made} if made else {}


def _position(tenant, ref: str, where: str, what: str) -> Position:
    return position_by_ref(ref, tenant, f"{where} > {what}")


def _mandates_check(tenant, entries: list[MandateEntry]) -> list[dict[str, Any]]:
    """The mandates the file asks for, as rows; TenantFileError names the entry and what is
    wrong with it."""
    types = {t.code: t for t in LetterType.objects.filter(tenant=tenant)}
    rows: dict[tuple[int, int], dict[str, Any]] = {}
    for i, e in enumerate(entries):
        where = f"signing_mandates[{i}] ({e.signer} a.n. {e.grantor})"
        grantor = _position(tenant, e.grantor, where, "for")
        holder = _position(tenant, e.signer, where, "signer")
        via = _position(tenant, e.via, where, "via") if e.via else None
        if holder.pk == grantor.pk or (via is not None and via.pk in (grantor.pk, holder.pk)):
            raise TenantFileError(f"{where}: for, signer and via must be three different posts.")
        if (grantor.pk, holder.pk) in rows:
            raise TenantFileError(f"{where}: this mandate is listed twice.")
        codes = list(dict.fromkeys(e.types))
        unknown = [c for c in codes if c not in types]
        if unknown:
            raise TenantFileError(f"{where} > types: unknown letter type(s) {', '.join(unknown)}.")
        asked = [types[c] for c in codes] or [t for t in types.values() if t.is_active]
        if not any(signer_allowed(t, grantor) for t in asked):
            listed = ", ".join(codes) if codes else "any active letter type"
            raise TenantFileError(
                f"{where} > for: {e.grantor} may not sign {listed} by the type's signer rule, "
                "so it cannot give a mandate for it."
            )
        rows[(grantor.pk, holder.pk)] = {
            "where": where,
            "grantor": grantor,
            "holder": holder,
            "via": via,
            "letter_type_codes": codes,
        }
    _chains_check(rows)
    return list(rows.values())


def _chains_check(rows: dict[tuple[int, int], dict[str, Any]]) -> None:
    """u.b. signs under its via's own a.n. mandate, one level down, for types that mandate
    covers; every mandate goes down the grantor's organisation."""
    for row in rows.values():
        via = row["via"]
        if via is None:
            continue
        upper = rows.get((row["grantor"].pk, via.pk))
        if upper is None:
            raise TenantFileError(
                f"{row['where']} > via: {via.unit.code}:{via.code} has no mandate of its own "
                f"from {row['grantor'].unit.code}:{row['grantor'].code} (u.b. signs under it)."
            )
        if upper["via"] is not None:
            raise TenantFileError(
                f"{row['where']} > via: the mandate of {via.unit.code}:{via.code} is itself "
                "u.b.; u.b. goes one level below an a.n. mandate, not more."
            )
        outside = [
            c
            for c in row["letter_type_codes"]
            if upper["letter_type_codes"] and c not in upper["letter_type_codes"]
        ]
        if outside:
            raise TenantFileError(
                f"{row['where']} > types: {', '.join(outside)} not covered by the mandate of "
                f"{via.unit.code}:{via.code}."
            )
    for row in rows.values():
        # a.n. is a mandate from the holder's superior: down the grantor's own organisation
        # (and u.b. one step further down, inside the post it goes through).
        holder, upper = row["holder"], row["via"] or row["grantor"]
        if not all(holder.unit.path.startswith(p.unit.path) for p in (row["grantor"], upper)):
            raise TenantFileError(
                f"{row['where']} > signer: {holder.unit.code}:{holder.code} is not under "
                f"{upper.unit.code}:{upper.code} in the organisation; a mandate goes from a post "
                "to one below it."
            )


def _load_mandates(tenant, entries: list[MandateEntry], base_dir: Path) -> dict[str, int]:
    """Upsert the file's signing mandates (keyed by grantor and holder); a mandate the file no
    longer lists becomes inactive, so loading a file twice changes nothing."""
    counts: dict[str, int] = {}
    existing = {
        (m.grantor_id, m.holder_id): m for m in SigningMandate.objects.filter(tenant=tenant)
    }
    listed = set()
    for row in _mandates_check(tenant, entries):
        key = (row["grantor"].pk, row["holder"].pk)
        listed.add(key)
        values = {
            "via": row["via"],
            "letter_type_codes": row["letter_type_codes"],
            "is_active": True,
        }
        mandate = existing.get(key)
        if mandate is None:
            SigningMandate.objects.create(
                tenant=tenant, grantor=row["grantor"], holder=row["holder"], **values
            )
            counts["mandates created"] = counts.get("mandates created", 0) + 1
            continue
        changed = [k for k, v in values.items() if getattr(mandate, k) != v]
        if changed:
            for k in changed:
                setattr(mandate, k, values[k])
            mandate.save(update_fields=changed)
            counts["mandates updated"] = counts.get("mandates updated", 0) + 1
    for key, mandate in existing.items():
        if key not in listed and mandate.is_active:
            mandate.is_active = False
            mandate.save(update_fields=["is_active"])  # its signal renews who must use 2FA
            counts["mandates ended"] = counts.get("mandates ended", 0) + 1
    return counts


class TemplateEntry(Strict):
    """A ready text for a letter type: its opening, body and closing (plain text, a blank line
    between paragraphs, or the editor's markup) with placeholders such as {penerima}
    (correspondence.composing.PLACEHOLDERS); with `unit`, for that unit and those under it."""

    code: str = Field(pattern=CODE, max_length=40)
    name: str = Field(min_length=1, max_length=120)
    type: str = Field(pattern=CODE)
    unit: str | None = None
    opening: str = ""
    body: str = ""
    closing: str = ""
    active: bool = True


def _load_templates(tenant, entries: list[TemplateEntry], base_dir: Path) -> dict[str, int]:
    types = {t.code: t for t in LetterType.objects.filter(tenant=tenant)}
    made = 0
    for order, e in enumerate(entries):
        where = f"letter_templates[{order}] ({e.code})"
        if e.type not in types:
            raise TenantFileError(f"{where} > type: unknown letter type {e.type}.")
        unit = None
        if e.unit:
            unit = Unit.objects.filter(tenant=tenant, code=e.unit).first()
            if unit is None:
                raise TenantFileError(f"{where} > unit: unknown unit {e.unit}.")
        _, created = LetterTemplate.objects.update_or_create(
            tenant=tenant,
            code=e.code,
            defaults={
                "name": e.name,
                "letter_type": types[e.type],
                "unit": unit,
                "opening": body_sanitize(e.opening),
                "body": body_sanitize(e.body),
                "closing": body_sanitize(e.closing),
                "is_active": e.active,
                "sort_order": order,
            },
        )
        made += created
    return {"letter templates": made} if made else {}


class RecipientGroupEntry(Strict):
    """A tenant-wide group of the recipient picker: every active unit of `unit_kinds` (a rule,
    so a new kecamatan joins by itself), the listed `units` (codes) and `positions`
    (UNIT_CODE:POSITION_CODE)."""

    code: str = Field(pattern=CODE, max_length=40)
    name: str = Field(min_length=1, max_length=120)
    unit_kinds: list[UnitKind] = []
    units: list[str] = []
    positions: list[Annotated[str, Field(pattern=POSITION_REF)]] = []


def _load_groups(tenant, entries: list[RecipientGroupEntry], base_dir: Path) -> dict[str, int]:
    """Upsert the file's tenant-wide recipient groups by code, members replaced."""
    made = 0
    for i, e in enumerate(entries):
        where = f"recipient_groups[{i}] ({e.code})"
        units = list(Unit.objects.filter(tenant=tenant, code__in=e.units))
        missing = sorted(set(e.units) - {u.code for u in units})
        if missing:
            raise TenantFileError(f"{where} > units: {', '.join(missing)} do not exist.")
        posts = [_position(tenant, ref, where, "positions") for ref in e.positions]
        group, created = RecipientGroup.objects.update_or_create(
            tenant=tenant,
            code=e.code,
            defaults={"name": e.name, "owner": None, "unit_kinds": [str(k) for k in e.unit_kinds]},
        )
        group.units.set(units)
        group.positions.set(posts)
        made += created
    return {"recipient groups": made} if made else {}


SECTIONS = [
    Section("letter_types", LetterTypeEntry, _load_types, order=20),
    Section("disposition_instructions", InstructionEntry, _load_instructions, order=21),
    Section("address_book", AddressEntry, _load_addresses, order=22),
    # After the letter types: a mandate is checked against their signer rules.
    Section("signing_mandates", MandateEntry, _load_mandates, order=23),
    Section("letter_templates", TemplateEntry, _load_templates, order=24),
    Section("recipient_groups", RecipientGroupEntry, _load_groups, order=25),
]

__all__ = ["SECTIONS", "TenantFileError"]
