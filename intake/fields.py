"""Fields read from an incoming letter's OCR text, each with a confidence from 0 to 1.

The rules are ours (regular expressions over the lines Tesseract gives back; no library
knows naskah dinas). They follow the layouts of Permendagri 1/2023 and the older ones still
in use: the surat dinas heading block (Nomor / Sifat / Lampiran / Hal, the date at the top
right, sometimes on the Nomor line), the nota dinas table (Kepada / Dari / Tanggal / Nomor /
Sifat / Lampiran / Hal) and the titled letters (SURAT EDARAN, UNDANGAN, KEPUTUSAN) whose
NOMOR stands under the title and whose subject follows TENTANG.

Confidence: a known label with its colon and a well-formed value is ≥ 0.9; a label read
with a letter wrong, a missing colon or a repaired value lowers it; a guess without a label
is ≤ 0.5. The clerk confirms every field; the confidence only says where to look first.
"""

from __future__ import annotations

import difflib
import re

from workflows.choices import SecurityLevel, Urgency

from .reading import (
    WEEKDAYS,
    Row,
    dates_in,
    label_rows,
    number_read,
    text_lines,
    title_case,
)
from .sender import sender_read

HEADING_LINES = 45  # the heading block and the addressee sit in the first lines of page one
SUBJECT_WRAP = 2  # continuation lines of a Hal value
WRAP_WIDTH = 75  # a wrapped value column is narrower than a body line
WRAPPED = 20  # a value line at least this long may have wrapped
STOP_WORDS = re.compile(
    r"^(y\s*t\s*h|kepada|dengan hormat|sehubungan|di\b|di-|tempat|menindaklanjuti|"
    r"berdasarkan|dalam rangka|bersama ini|dengan ini|berkenaan|memperhatikan|merujuk|"
    r"mengharap|sesuai dengan)",
    re.IGNORECASE,
)
SECURITY_WORDS = [
    ("sangat rahasia", SecurityLevel.SANGAT_RAHASIA),
    ("rahasia", SecurityLevel.RAHASIA),
    ("terbatas", SecurityLevel.TERBATAS),
    ("biasa", SecurityLevel.BIASA),
]
URGENCY_WORDS = [
    ("sangat segera", Urgency.SANGAT_SEGERA),
    ("amat segera", Urgency.SANGAT_SEGERA),
    ("kilat", Urgency.SANGAT_SEGERA),
    ("segera", Urgency.SEGERA),
]
ATTACHMENT = re.compile(r"^(\d+\s*\(\s*[a-z ]+\s*\)\s*[A-Za-z]+|-|nihil|tidak ada)", re.IGNORECASE)
COUNT_WORDS = {"satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7}
# "Bandung, " before a date: at the start of its line, or after a heading row's value (the
# date on the Nomor line); a capitalised word before a comma in the body is not a city.
CITY_DATE = re.compile(r"(?:^|:.*\s)(?P<city>[A-Z][A-Za-z.']+(?: [A-Z][A-Za-z.']+){0,3}),\s*$")


def _field(value, confidence: float, **extra) -> dict:
    return {"value": value, "confidence": round(min(max(confidence, 0.0), 1.0), 2), **extra}


def _first(rows: list[Row], name: str) -> Row | None:
    """The best-read row of this field (the first of the cleanest)."""
    candidates = [r for r in rows if r.field == name]
    return max(candidates, key=lambda r: (r.quality, -r.index)) if candidates else None


def _number(lines: list[str], rows: list[Row]) -> dict | None:
    row = _first(rows, "number")
    if row is not None:
        read = number_read(row.value)
        if read is not None:
            number, repaired = read
            return _field(number, 0.95 * row.quality * (0.85 if repaired else 1.0))
    for line in lines[:HEADING_LINES]:  # no label: a number-shaped token alone on its line
        read = number_read(line)
        if read and line.strip() == read[0] and line.count("/") >= 2:
            return _field(read[0], 0.4)
    return None


def _date_from_row(row: Row) -> dict | None:
    found = dates_in(row.value)
    if not found:
        return None
    return _field(found[0].value.isoformat(), 0.95 * row.quality * (1 if found[0].exact else 0.85))


def _date(lines: list[str], rows: list[Row]) -> dict | None:
    """Tanggal row of a nota dinas; else "<City>, 3 Desember 2026" at the top right, on the
    Nomor line or above the signature; else "Ditetapkan di … pada tanggal …"; else the first
    date of the heading (a guess: it may be the date of an event)."""
    row = _first(rows, "date")
    if row is not None and (field := _date_from_row(row)):
        return field
    guess = None
    for index, line in enumerate(lines):
        for found in dates_in(line):
            before = line[: found.start]
            city = CITY_DATE.search(before)
            weekday = city and city["city"].split()[-1].lower() in WEEKDAYS
            exact = 1.0 if found.exact else 0.85
            if city and not weekday:
                return _field(found.value.isoformat(), 0.92 * exact)
            if re.search(r"pada tanggal\s*:?\s*$", before, re.IGNORECASE):
                return _field(found.value.isoformat(), 0.9 * exact)
            if guess is None and index < HEADING_LINES and not weekday and not _event(before):
                guess = _field(found.value.isoformat(), 0.45 * exact)
    return guess


def _event(before: str) -> bool:
    """The date belongs to an event or a reference ("pada hari …", "Nomor … tanggal …")."""
    return bool(re.search(r"(hari|tanggal|tgl\.?)\s*[:,]?\s*$", before, re.IGNORECASE))


def _continuation(line: str) -> bool:
    """The line may carry on a wrapped value: short, and neither a greeting nor a place."""
    return (
        bool(line)
        and not STOP_WORDS.match(line)
        and len(line) <= WRAP_WIDTH
        and not line.endswith((":", ","))
    )


def _subject(lines: list[str], rows: list[Row]) -> dict | None:
    """The Hal row and the lines its value wrapped onto (Tesseract may leave a blank line
    between them when the first line filled the column)."""
    row = _first(rows, "subject")
    if row is None:
        return _subject_titled(lines)
    parts, index = [row.value], row.index + 1
    labelled = {r.index for r in label_rows(lines, stop=row.index + 2 * SUBJECT_WRAP + 2)}
    while len(parts) <= SUBJECT_WRAP and index < len(lines):
        line = lines[index]
        if not line and len(parts[-1]) >= WRAPPED and index + 1 < len(lines):
            index, line = index + 1, lines[index + 1]
        if index in labelled or not _continuation(line) or dates_in(line):
            break
        parts.append(line)
        index += 1
    subject = _tidy(" ".join(parts))
    return _field(title_case(subject), 0.95 * row.quality) if subject else None


def _subject_titled(lines: list[str]) -> dict | None:
    """The lines under TENTANG in a titled letter (surat edaran, keputusan, instruksi)."""
    for index, line in enumerate(lines[:HEADING_LINES]):
        if re.fullmatch(r"T\s*E\s*N\s*T\s*A\s*N\s*G\s*:?", line, re.IGNORECASE):
            parts = []
            for nxt in lines[index + 1 : index + 4]:
                if not nxt or STOP_WORDS.match(nxt):
                    break
                parts.append(nxt)
            if parts:
                return _field(title_case(_tidy(" ".join(parts))), 0.9)
    return None


def _tidy(text: str) -> str:
    """A value without the marks OCR leaves at its ends, nor a speck read as a full stop
    after a long word inside it ("Teknis. Aplikasi"; "Kab. Sleman" and "M.Si." stay)."""
    text = re.sub(r"\s+", " ", text).strip(" .,;:-_|'\"")
    text = re.sub(r"(?<=[a-z]{5})\.(?= [A-Za-z])", "", text)
    return re.sub(r"\s+([,.;:])", r"\1", text)


def _words_in(value: str, words) -> tuple[str | None, bool]:
    """The first of `words` (longest first) the value holds: exactly, or one letter off."""
    low = re.sub(r"[^a-z]+", " ", value.lower())  # "Sangat-Segera", "Biasa/Segera"
    tokens = low.split()
    for word, choice in words:
        if re.search(rf"\b{word}\b", low):
            return choice, True
        size = len(word.split())
        grams = [" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]
        if difflib.get_close_matches(word, grams, n=1, cutoff=0.8):
            return choice, False
    return None, False


def _sifat(rows: list[Row]) -> dict[str, dict]:
    """Sifat holds the security level (Permendagri 1/2023) and in many offices the urgency
    ("Sifat : Segera"); an Urgensi / Kecepatan row holds only the urgency."""
    out = {}
    for name, words in (("security", SECURITY_WORDS), ("urgency", URGENCY_WORDS)):
        for row in [r for r in rows if r.field in ("sifat", name)]:
            if name == "security" and row.field != "sifat":
                continue
            value = (
                re.sub(r"\bsegera\b.*", "", row.value, flags=re.IGNORECASE)
                if name == "security"
                else row.value
            )
            choice, exact = _words_in(value, words)
            if choice is None and name == "urgency" and row.field == "urgency":
                choice, exact = _words_in(row.value, [("biasa", Urgency.BIASA)])
            if choice is not None:
                out[name] = _field(str(choice), 0.95 * row.quality * (1.0 if exact else 0.85))
                break
    return out


def _attachments(rows: list[Row]) -> dict | None:
    """ "1 (satu) berkas", "2 (dua) lembar" or "-"; a colon read as "1." before the count and
    a dash read as two stray letters are repaired, with less confidence."""
    row = _first(rows, "attachments")
    if row is None:
        return None
    value, sure = row.value.strip(), 0.95 * row.quality
    if stray := re.match(r"^[1lIi!][.:;,]\s*(?=\d+\s*\()", value):
        value, sure = value[stray.end() :], sure * 0.85
    counted = re.match(r"^[1l](\d+)\s*\(\s*([a-z]+)", value)  # "11 (satu)": a colon, then 1
    if counted and COUNT_WORDS.get(counted[2].lower()) == int(counted[1]):
        value, sure = value[1:], sure * 0.85
    if match := ATTACHMENT.match(value):
        text = "-" if match.group(1) == "-" else re.sub(r"\s*\(\s*", " (", match.group(1))
        return _field(re.sub(r"\s*\)\s*", ") ", text).strip(), sure)
    if re.fullmatch(r"[-_~.\s]+", value):
        return _field("-", 0.85 * row.quality)
    if re.fullmatch(r"\S\s*-", value):  # "Lamp. 2 -", "Lamp. 1-": the colon read as a mark
        return _field("-", 0.7 * row.quality)
    if len(value) <= 3 and not re.search(r"\d", value):
        return _field("-", 0.45)  # a dash OCR turned into letters ("te", "=")
    return _field(_tidy(value), 0.6 * row.quality)


YTH = re.compile(r"^(kepada\s*:?\s*)?y\s*[tl]\s*[hb]\s*[.,]?\s*", re.IGNORECASE)
PLACE = re.compile(r"^(di\b|di-|tempat\b)", re.IGNORECASE)


def _addressee(lines: list[str], rows: list[Row]) -> dict | None:
    """After "Yth." (before the name or alone on its line), up to "di" / "Tempat" or the
    next labelled row; the Kepada row of a nota dinas without "Yth." is a weaker reading."""
    labelled = {r.index for r in rows}
    for index, line in enumerate(lines[:HEADING_LINES]):
        row = next((r for r in rows if r.index == index and r.field == "addressee"), None)
        text = row.value if row is not None else line
        match = YTH.match(text)
        if not match:
            continue
        inline = text[match.end() :].strip()
        parts = [inline] if inline else []
        for nxt_index in range(index + 1, min(index + 4, len(lines))):
            nxt = lines[nxt_index]
            if not nxt and not parts:
                continue
            if nxt_index in labelled or PLACE.match(nxt) or not _continuation(nxt):
                break
            parts.append(nxt)
            if len(parts) == 2:
                break
        if value := _tidy(" ".join(parts)):
            return _field(value, 0.9)
    row = _first(rows, "addressee")
    return _field(_tidy(row.value), 0.6 * row.quality) if row is not None else None


def letter_fields(text: str, *, tenant=None) -> dict[str, dict]:
    """{field: {"value": …, "confidence": 0–1}} for number, date (ISO), subject, sender,
    security, urgency, attachments and addressee; a field not found is left out. The sender
    carries "match": {"kind": "address"|"unit", "id": pk} when it matched."""
    lines = text_lines(text)
    rows = label_rows(lines, stop=HEADING_LINES)
    found = {
        "number": _number(lines, rows),
        "date": _date(lines, rows),
        "subject": _subject(lines, rows),
        "sender": sender_read(lines, tenant=tenant),
        "attachments": _attachments(rows),
        "addressee": _addressee(lines, rows),
        **_sifat(rows),
    }
    return {name: field for name, field in found.items() if field}


def classification_top(tenant, subject: str, limit: int = 3) -> list[dict]:
    """The tenant's likeliest classification codes for this subject, best first, from what
    it already filed (archive's suggestions for drafts): [{code, title, score}]."""
    from archive.search import classification_suggest

    if tenant is None or not (subject or "").strip():
        return []
    codes = classification_suggest(tenant=tenant, text=subject, limit=limit)
    return [{"code": c.code, "title": c.title, "score": c.score} for c in codes]
