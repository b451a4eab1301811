"""The tenant file: one YAML or TOML document that onboards a city with no code change.

Core sections (tenant, position_templates, units, users) are defined here. Apps that build on
organizations add their own sections (letter_types, classifications, ...) with
`register_section` from their AppConfig.ready, so this module never imports them.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .choices import AssignmentKind, RegionalRole, RoleKind, TimeZone, UnitKind
from .validators import ECHELON

SLUG = r"^[a-z0-9][a-z0-9-]*$"
CODE = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
COLOUR = r"^#[0-9a-fA-F]{6}$"


class TenantFileError(Exception):
    """A tenant file that cannot be loaded; the message names the entry and field."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Colours(Strict):
    primary: str = Field(pattern=COLOUR)
    accent: str = Field(pattern=COLOUR)


class Letterhead(Strict):
    government: str = Field(min_length=1, max_length=200)
    address: str = Field(default="", max_length=255)
    phone: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=100)
    website: str = Field(default="", max_length=100)


class MailFrom(Strict):
    """The sender of the tenant's e-mail to addressees off the platform; bounces come back to
    this address (make it one of the intake mailboxes)."""

    name: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=254, pattern=r"^$|^[^@\s]+@[^@\s]+$")


class TenantSection(Strict):
    slug: str = Field(pattern=SLUG, max_length=50)
    name: str = Field(min_length=1, max_length=200)
    app_name: str = Field(min_length=1, max_length=60)
    short_name: str = Field(default="", max_length=60)
    city: str = Field(min_length=1, max_length=100)
    # As letters write it after a post ("Kota Medan"); empty: the name without "Pemerintah".
    region: str = Field(default="", max_length=100)
    time_zone: TimeZone
    colours: Colours
    logo: str | None = None
    letterhead: Letterhead
    number_pattern: str = Field(default="{seq}/{classification}/{unit}/{year}", max_length=120)
    max_reviewers: int = Field(default=6, ge=1, le=20)
    domains: list[str] = Field(min_length=1)
    mail_from: MailFrom = MailFrom()


class PositionEntry(Strict):
    code: str = Field(pattern=CODE, max_length=40)
    title: str = Field(min_length=1, max_length=200)
    head: bool = False
    signer: bool = False
    echelon: str = Field(default="", pattern=r"^$|" + ECHELON)
    order: int = Field(default=100, ge=0, le=32767)
    # kdh, wkdh, sekda or "" (none); not given: inferred for the regional head's office (see
    # organizations.services).
    regional_role: RegionalRole | None = None


class UnitLetterhead(Strict):
    """A unit's own letterhead lines; a line not given is the tenant's."""

    address: str = Field(default="", max_length=255)
    phone: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=100)
    website: str = Field(default="", max_length=100)


class UnitEntry(Strict):
    code: str = Field(pattern=CODE, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    short_name: str = Field(default="", max_length=80)
    kind: UnitKind
    active: bool = True
    letterhead: UnitLetterhead | None = None
    positions: list[PositionEntry] = []
    children: list[UnitEntry] = []


class AssignmentEntry(Strict):
    position: str = Field(pattern=r"^[^:]+:[^:]+$", description="UNIT_CODE:POSITION_CODE")
    kind: AssignmentKind = AssignmentKind.DEFINITIVE
    start: dt.date
    end: dt.date | None = None
    decree: str = ""


class RoleEntry(Strict):
    role: RoleKind
    unit: str | None = None


class UserEntry(Strict):
    username: str = Field(pattern=r"^[\w.@+-]+$", max_length=150)
    name: str = Field(min_length=1, max_length=200)
    email: str = ""
    nip: str = ""
    nik: str = ""
    phone: str = ""
    rank: str = Field(default="", max_length=80, description="pangkat/golongan")
    password: str | None = None
    active: bool = True
    assignments: list[AssignmentEntry] = []
    roles: list[RoleEntry] = []


class CoreFile(Strict):
    tenant: TenantSection
    position_templates: dict[UnitKind, list[PositionEntry]] = {}
    units: list[UnitEntry] = Field(min_length=1)
    users: list[UserEntry] = []


@dataclass(frozen=True)
class Section:
    """An extension section of the tenant file, contributed by another app."""

    name: str
    entry_model: type[BaseModel]
    load: Callable[..., dict[str, int]]  # load(tenant, entries, path) -> counts
    order: int = 100


_SECTIONS: dict[str, Section] = {}


def rows_upsert(
    model,
    tenant,
    entries: list[Strict],
    *,
    key: tuple[str, ...] = ("code",),
    rename: dict[str, str] | None = None,
    extra: Callable[[int, Any], dict[str, Any]] | None = None,
) -> int:
    """Create or update one row of `model` per entry, found by the `key` fields within the
    tenant. The entry's other fields become the row's (`active` is `is_active`, and `rename`
    names others), and `extra(order, entry)` adds or overrides values. Returns how many rows
    are new."""
    rename = {"active": "is_active", **(rename or {})}
    made = 0
    for order, entry in enumerate(entries):
        values = {rename.get(k, k): v for k, v in entry.model_dump().items()}
        lookup = {k: values.pop(k) for k in key}
        if extra is not None:
            values |= extra(order, entry)
        _, created = model.objects.update_or_create(tenant=tenant, **lookup, defaults=values)
        made += created
    return made


def register_section(section: Section) -> None:
    _SECTIONS[section.name] = section


def registered_sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name))


@dataclass
class ParsedTenantFile:
    core: CoreFile
    sections: dict[str, list[BaseModel]]
    raw: dict[str, Any]
    base_dir: Path
    source: str = field(default="")


def read_document(path: Path) -> dict[str, Any]:
    """Read YAML or TOML into a dict; raises TenantFileError with the parser's position."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TenantFileError(f"{path}: cannot read the file ({exc.strerror}).") from exc
    try:
        if path.suffix.lower() == ".toml":
            data = tomllib.loads(text)
        elif path.suffix.lower() in {".yaml", ".yml"}:
            data = yaml.safe_load(text)
        else:
            raise TenantFileError(f"{path}: use a .yaml, .yml or .toml file.")
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise TenantFileError(f"{path}: not valid {path.suffix[1:].upper()}: {exc}") from exc
    if not isinstance(data, dict):
        raise TenantFileError(f"{path}: the document must be a mapping of sections.")
    return data


def describe_location(raw: Any, loc: tuple[Any, ...]) -> str:
    """Turn a pydantic location into 'units[3] (DISKOMINFO) > positions[0] > code'."""
    parts: list[str] = []
    node = raw
    i = 0
    while i < len(loc):
        key = loc[i]
        if isinstance(key, str) and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            index = loc[i + 1]
            item = node.get(key, [None])[index] if isinstance(node, dict) else None
            label = f"{key}[{index}]"
            if isinstance(item, dict):
                ident = item.get("code") or item.get("username") or item.get("slug")
                if ident:
                    label += f" ({ident})"
            parts.append(label)
            node = item
            i += 2
            continue
        parts.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
        i += 1
    return " > ".join(parts)


def _format_errors(prefix: str, raw: dict[str, Any], exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        # Pydantic appends the enum/literal tag to the loc for unions; keep what maps to data.
        lines.append(f"{prefix}{describe_location(raw, loc)}: {err['msg']}")
    return "\n".join(lines)


def parse(path: Path) -> ParsedTenantFile:
    """Validate a tenant file against the core schema and every registered section."""
    raw = read_document(path)
    known = {"tenant", "position_templates", "units", "users"}
    sections = {s.name: s for s in registered_sections()}
    unknown = sorted(set(raw) - known - set(sections))
    if unknown:
        raise TenantFileError(
            f"{path}: unknown section(s) {', '.join(unknown)}; "
            f"expected {', '.join(sorted(known | set(sections)))}."
        )
    core_raw = {k: v for k, v in raw.items() if k in known}
    try:
        core = CoreFile.model_validate(core_raw)
    except ValidationError as exc:
        raise TenantFileError(_format_errors(f"{path}: ", core_raw, exc)) from exc
    parsed: dict[str, list[BaseModel]] = {}
    for name, section in sections.items():
        entries = raw.get(name)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise TenantFileError(f"{path}: {name}: must be a list of entries.")
        wrapper = type(
            f"{name}_section",
            (Strict,),
            {"__annotations__": {name: list[section.entry_model]}},
        )
        try:
            validated = wrapper.model_validate({name: entries})
        except ValidationError as exc:
            raise TenantFileError(_format_errors(f"{path}: ", {name: entries}, exc)) from exc
        parsed[name] = getattr(validated, name)
    return ParsedTenantFile(
        core=core, sections=parsed, raw=raw, base_dir=path.parent, source=str(path)
    )
