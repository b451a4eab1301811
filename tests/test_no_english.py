"""No English msgid is rendered on the Indonesian pages.

Every msgid of the project's Indonesian catalogue whose translation is missing or fuzzy (plus
Django's blank choice label, which Django's own catalogue does not translate) is looked for in
the text of the main pages as each persona sees them in `id`: the menu's pages, a letter and
the forms. A string that is rendered untranslated fails the test with the page that shows it.
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models.fields import BLANK_CHOICE_LABEL
from django.urls import reverse
from django.utils import translation

from naskah.menu import menu_entries
from tests.conftest import client_for
from tests.correspondence.helpers import sent

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sdf]")


def _string(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line) for line in lines)


def untranslated_msgids(path: Path = CATALOGUE) -> set[str]:
    """The msgids of a .po file whose msgstr is empty or marked fuzzy (header left out)."""
    found: set[str] = set()
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [ln for ln in block.splitlines() if ln and not ln.startswith("#~")]
        fuzzy = any(ln.startswith("#,") and "fuzzy" in ln for ln in lines)
        parts: dict[str, list[str]] = {}
        key = None
        for line in lines:
            if line.startswith("#"):
                continue
            if line.startswith('"'):
                parts[key].append(line)
                continue
            key, _, rest = line.partition(" ")
            parts[key] = [rest]
        msgid = _string(parts.get("msgid", ['""']))
        strs = [_string(v) for k, v in parts.items() if k.startswith("msgstr")]
        if msgid and (fuzzy or not all(strs)):
            found.add(msgid)
    return found


class _Text(HTMLParser):
    """The text a reader sees: text nodes, and the attributes read out or shown."""

    SHOWN = {"placeholder", "title", "aria-label", "alt", "value"}

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        kind = dict(attrs).get("type")
        for name, value in attrs:
            if value and name in self.SHOWN and not (name == "value" and kind == "hidden"):
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data)


def page_texts(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return [" ".join(t.split()) for t in parser.texts]


def english_in(texts: list[str], msgids: set[str]) -> set[str]:
    """The msgids a page shows: a text equal to one (placeholders matching anything), or a
    text containing a msgid of three words or more."""
    shown = set()
    joined = "\n".join(texts)
    for msgid in msgids:
        if "<" in msgid:
            continue
        words = " ".join(msgid.split())
        pattern = ".+?".join(re.escape(part) for part in PLACEHOLDER.split(words))
        if len(words.split()) >= 3:
            if re.search(pattern, joined):
                shown.add(msgid)
        elif re.search(rf"^{pattern}$", joined, re.MULTILINE):
            shown.add(msgid)
    return shown


def test_the_reader_finds_an_untranslated_string(tmp_path):
    # GIVEN a catalogue with one translated, one empty and one fuzzy entry
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: id\\n"\n\n'
        'msgid "Inbox"\nmsgstr "Surat masuk"\n\n'
        'msgid "Leadership view"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Sent %(n)s letters today"\nmsgstr "Kirim"\n',
        encoding="utf-8",
    )
    msgids = untranslated_msgids(po)
    assert msgids == {"Leadership view", "Sent %(n)s letters today"}
    # THEN a page showing them is caught, a page in Indonesian is not
    html = "<p>Leadership view</p><p>Sent 3 letters today</p><p>Surat masuk</p>"
    assert english_in(page_texts(html), msgids) == msgids
    assert english_in(page_texts("<a title='Surat masuk'>Surat masuk</a>"), msgids) == set()


def _paths(client) -> list[str]:
    response = client.get(reverse("home"))
    entries = menu_entries(response.wsgi_request)
    return [reverse(name) for name, _label, _count in entries if name != "admin:index"]


@pytest.mark.parametrize("persona", ["drafter", "head", "clerk", "archivist", "tenant_admin"])
def test_no_english_on_the_pages_in_indonesian(world, persona):
    # GIVEN the persona's catalogue gaps and a letter sent from Kominfo to Bappeda
    msgids = untranslated_msgids()
    with translation.override("id"):  # Django's catalogue has none; ours may, once added
        if str(BLANK_CHOICE_LABEL) == "- Select an option -":
            msgids.add("- Select an option -")
    letter = sent(world, to=("bappeda",), cc=("dinkes",))
    user = world.users[persona]
    client = client_for(user)
    paths = [*_paths(client), reverse("correspondence:letter", args=[letter.pk])]
    found = {}
    # WHEN each page of the persona's menu (and the letter) is read in Indonesian
    for path in paths:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="id")
        if response.status_code != 200:
            continue
        shown = english_in(page_texts(response.content.decode()), msgids)
        if shown:
            found[path] = sorted(shown)
    # THEN none shows an English msgid
    assert not found, found
