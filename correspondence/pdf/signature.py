"""The signature block by authority (Permendagri 1/2023 art. 44; NASKAH-RULES §3.7), and the
ways a post, a name and a NIP are written on a naskah dinas. Pure functions: tested line by
line against the rules."""

from __future__ import annotations

import re
from dataclasses import dataclass

from num2words import num2words

ACTING = {"plt": "Plt.", "plh": "Plh.", "pj": "Pj."}
# The region's top posts (organizations.choices.RegionalRole): no NIP and no rank under them.
TOP_POSTS = {"kdh", "wkdh", "sekda"}


@dataclass(frozen=True)
class Authority:
    """Who signs and in what capacity. Titles are display forms (capitals, with the region)."""

    title: str  # the signer's own post: "SEKRETARIS DAERAH KOTA MEDAN"
    acting: str = ""  # "plt" | "plh" | "pj" | ""
    for_title: str = ""  # a.n.: the mandating post
    via_title: str = ""  # u.b.: the post between the mandating post and the signer
    regional_role: str = ""  # the signer's post: "kdh" | "wkdh" | "sekda" | ""


@dataclass
class SignatureBlock:
    """One signature block as printed: the authority lines, then (after the signature) the
    name, rank and NIP; `label` names a party above it ("PIHAK PERTAMA", "Mengetahui")."""

    lines: list[str]
    name: str
    nip: str = ""
    rank: str = ""
    label: str = ""


def authority_lines(a: Authority) -> list[str]:
    """`a.n. WALI KOTA MEDAN / SEKRETARIS DAERAH, / u.b. / ASISTEN ADMINISTRASI UMUM,`: the
    mandating post first, the acting prefix on the signer's own line."""
    own = f"{ACTING[a.acting]} {a.title}" if a.acting in ACTING else a.title
    lines = []
    if a.for_title:
        lines.append(f"a.n. {a.for_title}")
        if a.via_title:
            lines += [f"{a.via_title},", "u.b."]
    lines.append(f"{own},")
    return lines


def signature_block(
    a: Authority, *, name: str, nip: str = "", rank: str = "", titles: bool = True, label: str = ""
) -> SignatureBlock:
    """The block for a signer: no academic titles where the type forbids them (pengaturan,
    penetapan) or where an acting official holds the regional head's post or is Pj./Plh. of
    the regional secretary; no NIP and no rank under the region's top posts."""
    acting_top = (a.acting and a.regional_role in {"kdh", "wkdh"}) or (
        a.acting in {"pj", "plh"} and a.regional_role == "sekda"
    )
    # A Plt. of the regional secretary is an official like any other (only Pj./Plh. are not).
    top = a.regional_role in TOP_POSTS and not (a.regional_role == "sekda" and a.acting == "plt")
    return SignatureBlock(
        lines=authority_lines(a),
        name=name if titles and not acting_top else name_without_titles(name),
        nip="" if top else nip_spaced(nip),
        rank="" if top else rank,
        label=label,
    )


# Degrees written before the name (Prof., Dr., dr., drg., Drh., Drs., Dra., Ir.); after it they
# follow a comma ("Rina Siregar, S.T., M.M."). Haji, Hajjah and nobility (H., Hj., Tengku)
# are not academic titles and stay, before or between the degrees ("H. Drs. Mulyadi").
TITLE_BEFORE = re.compile(r"^(?:prof|dr|drg|drh|drs|dra|ir)\.$", re.IGNORECASE)


def academic_titles(name: str) -> list[str]:
    """The academic titles in a name as written: "Dr. Ir. Budi, M.M." → ["Dr.", "Ir.", "M.M."]."""
    head, _sep, tail = (name or "").partition(",")
    found = [word for word in head.split() if TITLE_BEFORE.match(word)]
    return found + [t.strip() for t in tail.split(",") if t.strip()]


def name_without_titles(name: str) -> str:
    """ "H. Dr. Ir. Ahmad Rizal Pohan, S.T., M.T." → "H. Ahmad Rizal Pohan"."""
    head = (name or "").partition(",")[0]
    kept = [word for word in head.split() if not TITLE_BEFORE.match(word)]
    return " ".join(kept) or head.strip()


def nip_spaced(nip: str) -> str:
    """An 18-digit NIP as printed: birth date, appointment month, sex, serial
    ("19720512 199803 1 004"); anything else unchanged."""
    digits = (nip or "").replace(" ", "")
    if len(digits) == 18 and digits.isdigit():
        return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"
    return nip or ""


def post_title(title: str, region: str, *, with_region: bool, upper: bool = True) -> str:
    """A post as a naskah writes it: "KEPALA DINAS KESEHATAN KOTA MEDAN" (the region added to
    the posts of the region's own offices when the title lacks it)."""
    text = " ".join(title.split())
    if with_region and region and region.lower() not in text.lower():
        text = f"{text} {region}"
    return text.upper() if upper else text


def count_words(n: int, noun: str) -> str:
    """`2 (dua) berkas`."""
    return f"{n} ({num2words(n, lang='id')}) {noun}"


ORDINALS = [
    "KESATU",
    "KEDUA",
    "KETIGA",
    "KEEMPAT",
    "KELIMA",
    "KEENAM",
    "KETUJUH",
    "KEDELAPAN",
    "KESEMBILAN",
    "KESEPULUH",
]


def ordinal(i: int) -> str:
    """The dictum label of a decree: KESATU, KEDUA, ... KESEBELAS, KEDUA PULUH."""
    if i <= len(ORDINALS):
        return ORDINALS[i - 1]
    return f"KE{num2words(i, lang='id').upper()}"


def party_label(i: int) -> str:
    """PIHAK PERTAMA, PIHAK KEDUA, ..."""
    word = "PERTAMA" if i == 1 else f"KE{num2words(i, lang='id').upper()}"
    return f"PIHAK {word}"


def alpha(i: int) -> str:
    """a, b, ..., z, aa, ab (the considerations of a decree)."""
    s = ""
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(97 + r) + s
    return s
