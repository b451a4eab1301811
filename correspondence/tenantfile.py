"""The tenant file's `letter_types`, `disposition_instructions` and `address_book` sections."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from organizations.tenantfile import CODE, Section, Strict, TenantFileError, rows_upsert

from .choices import LetterScope, SignerRule
from .models import AddressBookEntry, DispositionInstruction, LetterType
from .numbering import pattern_check
from .services import letter_types_ensure_defaults


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
    active: bool = True

    @field_validator("number_pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        if value:
            pattern_check(value)
        return value


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


def _ordered(order: int, entry) -> dict[str, int]:
    return {"sort_order": 200 + order}  # after the defaults of the rules


def _load_types(tenant, entries: list[LetterTypeEntry], base_dir: Path) -> dict[str, int]:
    made = letter_types_ensure_defaults(tenant)
    made += rows_upsert(
        LetterType,
        tenant,
        entries,
        rename={"signer_positions": "signer_position_codes"},
        extra=_ordered,
    )
    return {"letter types": made} if made else {}


def _load_instructions(tenant, entries: list[InstructionEntry], base_dir: Path) -> dict[str, int]:
    made = rows_upsert(DispositionInstruction, tenant, entries, extra=_ordered)
    return {"disposition instructions": made} if made else {}


def _load_addresses(tenant, entries: list[AddressEntry], base_dir: Path) -> dict[str, int]:
    made = rows_upsert(AddressBookEntry, tenant, entries, key=("name", "organization"))
    return {"addressees": made} if made else {}


SECTIONS = [
    Section("letter_types", LetterTypeEntry, _load_types, order=20),
    Section("disposition_instructions", InstructionEntry, _load_instructions, order=21),
    Section("address_book", AddressEntry, _load_addresses, order=22),
]

__all__ = ["SECTIONS", "TenantFileError"]
