"""How each type of naskah dinas is laid out, as data (Permendagri 1/2023, ANRI 5/2021).

A `Layout` says which heading a type opens with, whether it is addressed, which structured
parts it has and in which order, how it is signed and whether academic titles may be printed.
Every standard type has a default here; a tenant changes any field of it in the tenant file
(`letter_types[].layout`), stored on `LetterType.layout` and merged by `layout_of`.
"""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError

Family = Literal["korespondensi", "arahan", "khusus", "lainnya"]
# Arahan subdivides: pengaturan (instruksi, surat edaran), penetapan (keputusan), penugasan
# (surat perintah, surat tugas). Art. 44: no academic titles for pengaturan and penetapan.
Group = Literal["", "pengaturan", "penetapan", "penugasan"]
PartKind = Literal["html", "items", "people", "parties", "event", "text"]
ItemStyle = Literal["alpha", "number", "ordinal"]


class PartSpec(BaseModel):
    """One structured part of a type: the body, the considerations of a decree, the people
    a task is given to, the parties of a berita acara, an invitation's event."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z_]{2,30}$")
    label: str = Field(default="", max_length=60)  # printed before the part ("Menimbang")
    kind: PartKind = "html"
    required: bool = False
    style: ItemStyle = "number"  # how `items` are numbered
    intro: str = Field(default="", max_length=80)  # a centred line before it ("MEMUTUSKAN:")
    enact: bool = False  # a decree's "Menetapkan : KEPUTUSAN ... TENTANG ..." precedes it


class Layout(BaseModel):
    """The layout of a letter type."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    family: Family = "korespondensi"
    group: Group = ""
    # letter: place and date, Nomor/Sifat/Lampiran/Hal, Yth.; memo: a title and one table of
    # Yth./Dari/Tembusan/Tanggal/Nomor/Sifat/Lampiran/Hal; title: a centred title and number.
    heading: Literal["letter", "memo", "title"] = "letter"
    # The centred title; {authority} is the signing post in capitals ("KEPUTUSAN {authority}").
    title: str = Field(default="", max_length=120)
    about: bool = False  # "TENTANG <HAL>" under the title
    addressed: bool = True  # has "Yth." addressees
    di_tempat: bool = True  # "di Tempat" (or the addressee's city) under the addressees
    addressees_max: int = Field(default=5, ge=1, le=50)  # more: "Daftar terlampir"
    parts: tuple[PartSpec, ...] = (PartSpec(name="body", kind="html", required=True),)
    # right: the signer's block at the right; parties: the parties side by side, then
    # "Mengetahui" (berita acara, surat kuasa).
    signature: Literal["right", "parties"] = "right"
    # header: the date is in the heading; signature: "Medan, <date>" above the signature;
    # enacted: "Ditetapkan di Medan / pada tanggal <date>" above the signature.
    date_at: Literal["header", "signature", "enacted"] = "header"
    kop: Literal["auto", "unit", "position"] = "auto"
    cc_label: str = Field(default="Tembusan", max_length=60)
    academic_titles: bool = True

    def part(self, name: str) -> PartSpec | None:
        return next((p for p in self.parts if p.name == name), None)

    @property
    def has_body(self) -> bool:
        return self.part("body") is not None

    @property
    def structured(self) -> tuple[PartSpec, ...]:
        """The parts beyond the body (kept in `Letter.parts`)."""
        return tuple(p for p in self.parts if p.name != "body")


def _p(name: str, label: str = "", kind: PartKind = "html", **kw) -> PartSpec:
    return PartSpec(name=name, label=label, kind=kind, **kw)


BODY = _p("body", required=True)
_TITLED = {"heading": "title", "addressed": False, "di_tempat": False, "date_at": "signature"}
_TASK_PARTS = (
    _p("dasar", "Dasar", "items", required=True),
    _p("kepada", "Kepada", "people", required=True),
    _p("untuk", "Untuk", "items", required=True),
)

DEFAULTS: dict[str, dict] = {
    # korespondensi
    "surat_dinas": {},
    "nota_dinas": {"heading": "memo", "di_tempat": False, "cc_label": "Tembusan"},
    "memo": {"heading": "memo", "title": "MEMO", "di_tempat": False},
    "undangan": {
        "parts": (
            BODY,
            _p("acara", "Acara", "event", required=True),
            _p("penutup", kind="html"),
        )
    },
    # arahan
    "surat_keputusan": {
        **_TITLED,
        "family": "arahan",
        "group": "penetapan",
        "title": "KEPUTUSAN {authority}",
        "about": True,
        "date_at": "enacted",
        "academic_titles": False,
        "cc_label": "Salinan Keputusan ini disampaikan kepada",
        "kop": "auto",
        "parts": (
            _p("menimbang", "Menimbang", "items", required=True, style="alpha"),
            _p("mengingat", "Mengingat", "items", required=True),
            _p("memperhatikan", "Memperhatikan", "items"),
            _p(
                "diktum",
                "",
                "items",
                required=True,
                style="ordinal",
                intro="MEMUTUSKAN:",
                enact=True,
            ),
        ),
    },
    "surat_edaran": {
        "family": "arahan",
        "group": "pengaturan",
        "heading": "title",
        "title": "SURAT EDARAN {authority}",
        "about": True,
        "date_at": "enacted",
        "academic_titles": False,
    },
    "instruksi": {
        **_TITLED,
        "family": "arahan",
        "group": "pengaturan",
        "title": "INSTRUKSI {authority}",
        "about": True,
        "date_at": "enacted",
        "academic_titles": False,
        "parts": (
            BODY,
            _p("kepada", "Kepada", "items", required=True, intro="MENGINSTRUKSIKAN:"),
            _p("diktum", "Untuk", "items", required=True, style="ordinal"),
        ),
    },
    "surat_perintah": {
        **_TITLED,
        "family": "arahan",
        "group": "penugasan",
        "title": "SURAT PERINTAH",
        "parts": (
            _TASK_PARTS[0],
            _p("kepada", "Kepada", "people", required=True, intro="MEMERINTAHKAN:"),
            _TASK_PARTS[2],
        ),
    },
    "surat_tugas": {
        **_TITLED,
        "family": "arahan",
        "group": "penugasan",
        "title": "SURAT TUGAS",
        "parts": (
            _TASK_PARTS[0],
            _p("kepada", "Kepada", "people", required=True, intro="MEMBERI TUGAS:"),
            _TASK_PARTS[2],
        ),
    },
    # khusus
    "berita_acara": {
        **_TITLED,
        "family": "khusus",
        "title": "BERITA ACARA",
        "about": True,
        "signature": "parties",
        "parts": (BODY, _p("pihak", "", "parties", required=True)),
    },
    "surat_keterangan": {
        **_TITLED,
        "family": "khusus",
        "title": "SURAT KETERANGAN",
        "parts": (BODY, _p("diterangkan", "", "people"), _p("penutup", kind="html")),
    },
    "surat_kuasa": {
        **_TITLED,
        "family": "khusus",
        "title": "SURAT KUASA",
        "signature": "parties",
        "parts": (_p("pihak", "", "parties", required=True), BODY),
    },
    "surat_pengantar": {
        "family": "khusus",
        "heading": "title",
        "title": "SURAT PENGANTAR",
        "date_at": "header",
    },
    "pengumuman": {**_TITLED, "family": "khusus", "title": "PENGUMUMAN", "about": True},
    "surat_pernyataan": {**_TITLED, "family": "khusus", "title": "SURAT PERNYATAAN"},
    # lainnya
    "laporan": {**_TITLED, "family": "lainnya", "title": "LAPORAN", "about": True},
    "telaahan_staf": {
        "family": "lainnya",
        "heading": "memo",
        "title": "TELAAHAN STAF",
        "di_tempat": False,
        "parts": (
            _p("persoalan", "Persoalan", required=True),
            _p("praanggapan", "Praanggapan"),
            _p("fakta", "Fakta yang Mempengaruhi", required=True),
            _p("analisis", "Analisis", required=True),
            _p("simpulan", "Simpulan", required=True),
            _p("saran", "Saran", required=True),
        ),
    },
    "notula": {
        **_TITLED,
        "family": "lainnya",
        "title": "NOTULA",
        "about": True,
        "parts": (
            _p("rapat", "Sidang/Rapat", "text", required=True),
            _p("pimpinan", "Pimpinan Rapat", "text", required=True),
            _p("peserta", "Peserta", "items", required=True),
            _p("body", "Kegiatan Rapat", required=True),
        ),
    },
}


def layout_build(type_code: str, changes: dict | None = None) -> Layout:
    """The layout of a type code with a tenant's changes; ValueError names a bad change."""
    base = dict(DEFAULTS.get(type_code, {}))
    try:
        return Layout.model_validate({**base, **(changes or {})})
    except ValidationError as exc:
        raise ValueError(str(exc)) from None


def layout_of(letter_type) -> Layout:
    """The layout of a letter type (its code's default with the tenant's changes)."""
    cache = getattr(letter_type, "_layout", None)
    if cache is None:
        try:
            cache = layout_build(letter_type.code, letter_type.layout)
        except ValueError:  # a bad stored change never stops a letter: the default
            cache = layout_build(letter_type.code)
        letter_type._layout = cache
    return cache


def titles_allowed(layout: Layout) -> bool:
    """Art. 44: academic titles are not printed for pengaturan and penetapan."""
    return layout.academic_titles and layout.group not in {"pengaturan", "penetapan"}


# --- the values of the structured parts (Letter.parts) ---
PERSON_FIELDS = ("name", "nip", "rank", "position")
PARTY_FIELDS = ("label", "name", "nip", "position")
MAX_ITEMS = 60
MAX_TEXT = 4000


def _fields_of(kind: PartKind) -> tuple[str, ...]:
    return PARTY_FIELDS if kind == "parties" else PERSON_FIELDS


MAX_HTML = 20000
MAX_FIELD = 200


def _one_line(value: str, limit: int, label: str) -> str:
    text = " ".join(value.split())
    if len(text) > limit:
        raise ValueError(
            _("%(part)s: at most %(n)s characters per entry.") % {"part": label, "n": limit}
        )
    return text


def part_clean(spec: PartSpec, value, sanitize) -> object:
    """One part's value in its stored form; ValueError says what is wrong (nothing is cut
    short: a value too long is refused)."""
    label = spec.label or spec.name
    if spec.kind in {"html", "text", "event"}:
        if not isinstance(value, str):
            raise ValueError(_("%(part)s: must be text.") % {"part": label})
        if spec.kind == "html":
            clean = sanitize(value)
            if len(clean) > MAX_HTML:
                raise ValueError(
                    _("%(part)s: at most %(n)s characters.") % {"part": label, "n": MAX_HTML}
                )
            return clean
        if spec.kind == "event":  # the agenda may run over several lines
            lines = [_one_line(line, MAX_TEXT, label) for line in value.splitlines()]
            return "\n".join(line for line in lines if line)
        return _one_line(value, MAX_TEXT, label)
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise ValueError(
            _("%(part)s: must be a list of at most %(n)s entries.")
            % {"part": label, "n": MAX_ITEMS}
        )
    if spec.kind == "items":
        if not all(isinstance(v, str) for v in value):
            raise ValueError(_("%(part)s: every entry must be text.") % {"part": label})
        return [_one_line(v, MAX_TEXT, label) for v in value if v.strip()]
    fields = _fields_of(spec.kind)
    rows = []
    for row in value:
        if not isinstance(row, dict) or set(row) - set(fields):
            raise ValueError(
                _("%(part)s: every row has the fields %(fields)s.")
                % {"part": label, "fields": ", ".join(fields)}
            )
        clean = {f: _one_line(str(row.get(f) or ""), MAX_FIELD, label) for f in fields}
        if clean["name"]:
            rows.append(clean)
    return rows


def parts_clean(layout: Layout, raw: dict | None, sanitize) -> dict:
    """A letter's structured parts for its layout, each in its stored form; parts the layout
    does not have are refused (ValueError), empty ones dropped."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise ValueError(_("The parts must be an object."))  # noqa: TRY004 (user input)
    names = {p.name for p in layout.structured}
    unknown = set(raw) - names
    if unknown:
        raise ValueError(
            _("This type of letter has no part: %(parts)s") % {"parts": ", ".join(sorted(unknown))}
        )
    out = {}
    for spec in layout.structured:
        if spec.name in raw and raw[spec.name] not in (None, "", []):
            value = part_clean(spec, raw[spec.name], sanitize)
            if value not in ("", []):
                out[spec.name] = value
    return out


def _fits(spec: PartSpec, value) -> bool:
    if spec.kind in {"html", "text", "event"}:
        return isinstance(value, str)
    if not isinstance(value, list):
        return False
    if spec.kind == "items":
        return all(isinstance(v, str) for v in value)
    return all(isinstance(v, dict) for v in value)


def parts_fit(layout: Layout, parts) -> dict:
    """The stored parts that still fit the layout (a tenant may change a type's parts after
    letters were written): parts it no longer has, or whose kind changed, are left out."""
    if not isinstance(parts, dict):
        return {}
    return {
        spec.name: parts[spec.name]
        for spec in layout.structured
        if spec.name in parts and _fits(spec, parts[spec.name])
    }


def part_from_text(spec: PartSpec, text: str):
    """A part as typed in one textarea of the compose form: items one per line; people and
    parties one per line with their fields separated by "|"."""
    text = text or ""
    if spec.kind in {"html", "text", "event"}:
        return text
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if spec.kind == "items":
        return lines
    fields = _fields_of(spec.kind)
    return [
        dict(zip(fields, [c.strip() for c in line.split("|")][: len(fields)], strict=False))
        for line in lines
    ]


def part_to_text(spec: PartSpec, value) -> str:
    """The inverse of `part_from_text`, for the form's initial values."""
    if value in (None, "", []) or not _fits(spec, value):
        return ""
    if spec.kind in {"html", "text", "event"}:
        return str(value)
    if spec.kind == "items":
        return "\n".join(value)
    fields = _fields_of(spec.kind)
    return "\n".join(" | ".join(row.get(f, "") for f in fields).rstrip(" |") for row in value)


def parts_read(layout: Layout, parts) -> list[dict]:
    """The structured parts as a reader sees them beside the body (the letter page, the
    reviewer's diff): each with its label and its lines, or its sanitised HTML."""
    fit = parts_fit(layout, parts)
    out = []
    for spec in layout.structured:
        value = fit.get(spec.name)
        if value in (None, "", []):
            continue
        label = spec.label or spec.name.replace("_", " ").capitalize()
        if spec.kind == "html":
            out.append({"name": spec.name, "label": label, "html": value, "lines": []})
            continue
        if spec.kind in {"text", "event"}:
            lines = value.splitlines()
        elif spec.kind == "items":
            lines = list(value)
        else:
            fields = _fields_of(spec.kind)
            lines = [" · ".join(row[f] for f in fields if row.get(f)) for row in value]
        out.append({"name": spec.name, "label": label, "html": "", "lines": lines})
    return out
