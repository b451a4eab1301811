"""The sender read from the letterhead (kop) and matched against the address book and the
platform's units.

A kop is a few lines in capitals: the government ("PEMERINTAH KOTA BANDUNG"), then the
agency ("DINAS KOMUNIKASI DAN INFORMATIKA", at most three lines), then the address line
("Jalan …, Telepon …"). A kop of a position ("BUPATI SLEMAN", "WALI KOTA MEDAN") is one line.
The same agency name exists in every city ("Dinas Kesehatan"), so a unit only matches when
its tenant is the government the kop names.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .reading import title_case

GOVERNMENT = re.compile(r"^(PEMERINTAH|PEMERlNTAH|KEMENTERIAN|PROVINSI)\b", re.IGNORECASE)
ADDRESS = re.compile(
    r"\b(jalan|jl\.?|telepon|telp|faks|fax|laman|website|e-?mail|pos|kode pos|alamat)\b",
    re.IGNORECASE,
)
TITLES = re.compile(
    r"^(NOTA DINAS|SURAT|UNDANGAN|NOMOR|MEMO|KEPUTUSAN|PENGUMUMAN|BERITA ACARA|INSTRUKSI)\b"
)
MATCH_AT = 0.86
KOP_LINES = 8


@dataclass(frozen=True)
class Kop:
    government: str  # "Pemerintah Kota Bandung" or ""
    region: str  # "Kota Bandung" or ""
    agency: str  # "Dinas Komunikasi dan Informatika"
    clean: bool  # the lines were in capitals and ended at an address line


def _capitals(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def kop_read(lines: list[str]) -> Kop | None:
    """The letterhead of the first lines, or None when the page starts otherwise."""
    head = []
    ended = False
    for line in [x for x in lines if x][:KOP_LINES]:
        if ADDRESS.search(line) or TITLES.match(line) or ":" in line:
            ended = bool(ADDRESS.search(line))
            break
        if not _capitals(line):
            break
        head.append(re.sub(r"[^\w .,&()/-]", "", line).strip())
    if not head:
        return None
    government = ""
    if GOVERNMENT.match(head[0]) and len(head) > 1:
        government = title_case(head.pop(0))
    agency = title_case(" ".join(head))
    region = re.sub(r"^(Pemerintah|Kementerian)\s+", "", government, flags=re.IGNORECASE)
    return Kop(government, region, agency, ended)


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.casefold(), b.casefold()).ratio()


def _same_region(kop: Kop, tenant_name: str, tenant_city: str) -> bool:
    if not kop.region:
        return True
    region = kop.region.casefold()
    return tenant_city.casefold() in region or region in tenant_name.casefold()


def sender_match(kop: Kop, *, tenant=None) -> dict | None:
    """{"kind", "id", "name", "score"} of the best address-book entry (the tenant's) or unit
    (any tenant's, of the government the kop names) for the kop's agency, or None."""
    from correspondence.models import AddressBookEntry
    from organizations.models import Unit

    wanted = [kop.agency, f"{kop.agency} {kop.region}".strip()]
    best: dict | None = None

    def consider(kind: str, pk: int, name: str, *texts: str) -> None:
        nonlocal best
        score = max(_ratio(w, t) for w in wanted for t in texts if t)
        if score >= MATCH_AT and (best is None or score > best["score"]):
            best = {"kind": kind, "id": pk, "name": name, "score": round(score, 3)}

    if tenant is not None:
        entries = AddressBookEntry.objects.filter(tenant=tenant, is_active=True)
        for pk, name, organization in entries.values_list("pk", "name", "organization"):
            consider("address", pk, organization or name, name, organization)
    first = kop.agency.split()[0] if kop.agency.split() else ""
    units = Unit.objects.filter(is_active=True, name__icontains=first).values_list(
        "pk", "name", "short_name", "tenant__name", "tenant__city"
    )
    for pk, name, short, tenant_name, city in units:
        if _same_region(kop, tenant_name, city):
            consider("unit", pk, name, name, short, f"{name} {kop.region}".strip())
    return best


def sender_read(lines: list[str], *, tenant=None) -> dict | None:
    """The sender field: the matched name with its match, or the kop's agency as read."""
    kop = kop_read(lines)
    if kop is None or not kop.agency:
        return None
    match = sender_match(kop, tenant=tenant)
    if match is not None:
        confidence = 0.95 if match["score"] >= 0.95 else 0.85
        return {
            "value": match["name"],
            "confidence": confidence,
            "match": {"kind": match["kind"], "id": match["id"]},
            "kop": kop.agency,
        }
    return {"value": kop.agency, "confidence": 0.7 if kop.clean else 0.45}
