"""The small readers under `intake.fields`: OCR lines, labelled rows, dates, letter numbers.

Our own rules (regular expressions and a few difflib comparisons): no library knows the
layouts of Indonesian naskah dinas. Tesseract's usual confusions in these letters are a
colon read as ";", "1", "i" or dropped; "O" for "0" and "l"/"I" for "1" inside numbers; a
dash read as "—" or "_"; a label read with one letter wrong ("Nornor", "Perlhal").
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass

# The labels of the heading block and of a nota dinas table (canonical word → field).
LABELS = {
    "nomor": "number",
    "no": "number",
    "nomer": "number",
    "sifat": "sifat",
    "lampiran": "attachments",
    "lamp": "attachments",
    "hal": "subject",
    "perihal": "subject",
    "kepada": "addressee",
    "dari": "from",
    "tanggal": "date",
    "tgl": "date",
    "tembusan": "cc",
    "urgensi": "urgency",
    "kecepatan": "urgency",
}
FUZZY_LABELS = ("nomor", "sifat", "lampiran", "perihal", "kepada", "tanggal", "tembusan")
# "Nomor : x", "Nomor; x", "Lampiran - : x": a label, maybe a stray mark, a colon-like sign.
WITH_SEPARATOR = re.compile(r"^(?P<label>[A-Za-z][A-Za-z .,'_-]{0,18}?)\s*[:;=|]\s*(?P<value>.*)$")
# "Kepada 1 Yth. …": the colon read as a digit or a letter, standing alone.
WITH_MISREAD = re.compile(r"^(?P<label>[A-Za-z]+\.?)\s+(?P<mark>[1lIi!])[.,;]?\s+(?P<value>.*)$")
# "NOMOR 123/ABC/2026", "Hal Undangan": no colon at all.
WITHOUT = re.compile(r"^(?P<label>[A-Za-z]+\.?)\s+(?P<value>.*)$")

MONTHS = {
    "januari": 1,
    "februari": 2,
    "pebruari": 2,
    "maret": 3,
    "april": 4,
    "mei": 5,
    "juni": 6,
    "juli": 7,
    "agustus": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "nopember": 11,
    "desember": 12,
}
MONTH_SHORT = {
    "jan": 1,
    "feb": 2,
    "peb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "agst": 8,
    "sep": 9,
    "sept": 9,
    "okt": 10,
    "nov": 11,
    "nop": 11,
    "des": 12,
}
WEEKDAYS = {"senin", "selasa", "rabu", "kamis", "jumat", "jum'at", "sabtu", "minggu", "ahad"}
DIGITISH = "0-9OoDIl|!iSsZzB"
DIGIT_REPAIR = str.maketrans("OoDIl|!iSsZzB", "0001111155228")
DATE_WORDS = re.compile(
    rf"(?<![\w/])(?P<day>[{DIGITISH}]{{1,2}})\s*[-.]?\s*(?P<month>[A-Za-z]{{3,10}})\.?\s*[,.]?\s*"
    rf"(?P<year>[{DIGITISH}]{{4}})(?![\w/])"
)
DATE_DIGITS = re.compile(r"(?<![\w/.])(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})(?![\w/])")
NUMBER_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9./\-]*[A-Za-z0-9]")


@dataclass(frozen=True)
class Row:
    """One labelled line: the field it names, its value, where it is, and how cleanly the
    label read (1.0 a known label with its colon, less for a fuzzy label or no colon)."""

    field: str
    value: str
    index: int
    quality: float


def text_lines(text: str) -> list[str]:
    """The OCR text as trimmed lines (blank lines kept as ""), with look-alike characters
    (curly quotes, long dashes, non-breaking spaces) made plain."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.translate(str.maketrans({"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"'}))
    return [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]


def _label_field(label: str) -> tuple[str | None, float]:
    """The field a label names and how sure: 1.0 exact, 0.85 one letter off."""
    word = re.sub(r"[^a-z]", "", label.lower())
    if word in LABELS:
        return LABELS[word], 1.0
    word = word.replace("rn", "m").replace("cl", "d")  # letters Tesseract merges or splits
    if word in LABELS:
        return LABELS[word], 0.85
    close = difflib.get_close_matches(word, FUZZY_LABELS, n=1, cutoff=0.8)
    if close and len(word) >= 4:
        return LABELS[close[0]], 0.85
    return None, 0.0


def _label_split(line: str) -> tuple[str, str, float] | None:
    """(label, value, how cleanly the label was separated) of a line, or None."""
    if m := WITH_SEPARATOR.match(line):
        return m["label"], m["value"], 1.0
    if m := WITH_MISREAD.match(line):
        if m["value"].startswith("("):  # "Lampiran 1 (satu) berkas": the 1 is the value's
            return m["label"], f"{m['mark']} {m['value']}", 0.9
        return m["label"], m["value"], 0.95
    if m := WITHOUT.match(line):
        return m["label"], m["value"], 0.9
    return None


def label_rows(lines: list[str], *, stop: int | None = None) -> list[Row]:
    """Every line of the first `stop` lines that starts with a label of the heading block."""
    rows = []
    for index, line in enumerate(lines[:stop]):
        split = _label_split(line)
        if split is None or not split[1].strip():
            continue
        label, value, quality = split
        word = re.sub(r"[^A-Za-z]", "", label)
        if len(word) > 10:
            continue
        field, sure = _label_field(word)
        if sure < 1.0 and quality < 1.0:
            continue  # one letter off and no colon: a word of the text ("Kepala", "Hari")
        if field is not None:
            rows.append(Row(field, value.strip(), index, quality * sure))
    return rows


def _digits(token: str) -> int | None:
    repaired = token.translate(DIGIT_REPAIR)
    return int(repaired) if repaired.isdigit() else None


def _month(word: str) -> tuple[int | None, bool]:
    """(month, exact) of an Indonesian (or English) month name or abbreviation."""
    word = word.lower().rstrip(".")
    if word in MONTHS:
        return MONTHS[word], True
    if word in MONTH_SHORT:
        return MONTH_SHORT[word], True
    english = {"february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8}
    english |= {"october": 10, "december": 12}
    if word in english:
        return english[word], True
    close = difflib.get_close_matches(word, list(MONTHS), n=1, cutoff=0.72)
    return (MONTHS[close[0]], False) if close else (None, False)


@dataclass(frozen=True)
class FoundDate:
    value: dt.date
    start: int
    end: int
    exact: bool  # no letter or digit had to be repaired


def dates_in(line: str) -> list[FoundDate]:
    """Every date written in the line ("3 Desember 2026", "03-12-2026", "3 Des. 2026")."""
    found = []
    for m in DATE_WORDS.finditer(line):
        month, exact = _month(m["month"])
        day, year = _digits(m["day"]), _digits(m["year"])
        if month and day and year and 1900 < year < 2200:
            exact = exact and m["day"].isdigit() and m["year"].isdigit()
            try:
                found.append(FoundDate(dt.date(year, month, day), m.start(), m.end(), exact))
            except ValueError:
                continue
    for m in DATE_DIGITS.finditer(line):
        day, month, year = (int(g) for g in m.groups())
        try:
            found.append(FoundDate(dt.date(year, month, day), m.start(), m.end(), exact=True))
        except ValueError:
            continue
    return sorted(found, key=lambda d: d.start)


def number_read(value: str) -> tuple[str, bool] | None:
    """(the letter number at the start of a Nomor value, whether it had to be repaired), or
    None when the value does not start with something shaped like a number. Stops at the
    first space unless the next piece carries on the number ("800.1/ 822/…")."""
    value = value.strip().lstrip(":;.,'\"").strip()
    # "400:7.22/…", "KP:07.6": a dot read as a colon or a comma, inside the number
    mended = re.sub(r"(?<=[A-Za-z0-9])[:,](?=\d)", ".", value)
    mended = re.sub(r"\s*/\s*", "/", mended)  # "005 / 123" and "005/ 123"
    mended = re.sub(r"^([A-Za-z]{1,2})\s*-\s*(?=\d)", r"\1-", mended)  # "B - 123/…"
    match = NUMBER_TOKEN.match(mended)
    if not match:
        return None
    token = match.group(0)
    if re.fullmatch(r"\d+", token):  # "NOMOR 23 TAHUN 2020" (a regulation or decree)
        decree = re.match(r"(\d+)\s+TAHUN\s+(\d{4})", mended, re.IGNORECASE)
        if decree:
            return f"{decree[1]} TAHUN {decree[2]}", False
    if not re.search(r"\d", token) or not re.search(r"[/.\-]", token) or len(token) < 3:
        return None
    number, repaired = number_repaired(token)
    colon = re.search(r"\w[:,]\d", value[: len(token) + 4]) is not None
    return number, repaired or colon


def number_repaired(token: str) -> tuple[str, bool]:
    """O→0 and l/I→1 inside the number's numeric pieces (a piece holding a digit and only
    digit look-alikes besides): "2O3O" is 2030, but "KOMINFO" and "IX" stay as written. A
    short piece of Roman letters and 1s is a Roman month ("X1" → "XI", "I1" → "II"), and so
    is a piece of 1s and ls in the month's place (after the unit's code, before the year)
    that no numeric month can be ("l", "111"): months in digits are written with two."""
    pieces = re.split(r"([/.\-])", token)
    repaired = False
    for i, piece in enumerate(pieces):
        if _month_place(pieces, i) and re.fullmatch(r"[Il1|]{1,3}", piece) and piece != "11":
            if piece != "I" * len(piece):
                pieces[i], repaired = "I" * len(piece), True
            continue
        if not re.search(r"\d", piece) or piece.isdigit():
            continue
        roman = re.fullmatch(r"[IVXl1|]{2,4}", piece) and (
            re.search(r"[VX]", piece) or piece.count("1") * 2 <= len(piece)
        )
        if roman:
            pieces[i], repaired = re.sub(r"[l1|]", "I", piece), True
        elif re.fullmatch(r"[0-9OoIl|]+", piece):
            pieces[i], repaired = piece.translate(DIGIT_REPAIR), True
    return "".join(pieces), repaired


def _month_place(pieces: list[str], i: int) -> bool:
    """pieces[i] sits between "/" and "/<year>" after a piece in letters ("…/Setda/I/2026")."""
    return (
        2 <= i <= len(pieces) - 3
        and pieces[i - 1] == "/"
        and pieces[i + 1] == "/"
        and re.fullmatch(r"\d{4}", pieces[i + 2]) is not None
        and re.fullmatch(r"[A-Za-z]+", pieces[i - 2]) is not None
    )


SMALL_WORDS = {
    "dan",
    "di",
    "ke",
    "dari",
    "yang",
    "untuk",
    "bagi",
    "pada",
    "dalam",
    "atas",
    "dengan",
    "atau",
    "tentang",
    "serta",
    "oleh",
    "terhadap",
}
ROMAN = re.compile(r"^(?=[IVXLC]+$)M*(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})$")


def title_case(text: str) -> str:
    """A heading in capitals (OCR may make a few small) as Indonesian writes a title: "Dinas Komunikasi dan
    Informatika", "Triwulan III", "Tahun 2027". Text in mixed case is left as written."""
    letters = [c for c in text if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) < 0.8 * len(letters):
        return text
    words = []
    for i, word in enumerate(text.split()):
        bare = word.strip(".,;:()")
        if i and bare.lower() in SMALL_WORDS:
            words.append(word.lower())
        elif ROMAN.match(bare) or re.search(r"\d", word):
            words.append(word)
        else:
            words.append(word[:1] + word[1:].lower())
    return " ".join(words)
