"""The letter page's inline preview: page images of the signed PDF, of the draft and of PDF
attachments, images shown as they are; each behind the download's access check (a foreign or
hidden id answers exactly like an unknown one) and kept on disk under the file's hash."""

import re
import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from correspondence import services as svc
from tests.conftest import client_for

from .helpers import PDF, draft, sent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm"),
]
PNG = b"\x89PNG\r\n\x1a\n"
# A 1x1 PNG: an image attachment is shown as it is.
DOT = PNG + bytes.fromhex(
    "0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ff"
    "ff3f0005fe02fea7d6a4f10000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def _var(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def page_urls(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'<img src="([^"]+)" loading="lazy"', response.content.decode())


def test_the_signed_pdf_shows_as_page_images_cached_by_its_hash(world, tmp_path):
    # GIVEN a sent letter, read by the head of the receiving unit
    letter = sent(world)
    client = client_for(world.bappeda_head)
    # WHEN its page lists the signed PDF's pages
    urls = page_urls(client.get(reverse("correspondence:letter-pages", args=[letter.pk, "signed"])))
    # THEN each page is an image, rendered once and kept under the PDF's hash
    assert urls and letter.pdf_sha256 in urls[0]
    image = client.get(urls[0])
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content).startswith(PNG)
    cached = tmp_path / "previews" / f"signed-{letter.pdf_sha256}" / "1.png"
    assert cached.exists()
    # AND a page beyond the last one is a 404
    beyond = re.sub(r"/\d+\.png$", f"/{len(urls) + 1}.png", urls[0])
    assert client.get(beyond).status_code == 404


def test_the_letter_page_includes_the_preview(world):
    letter = sent(world)
    page = client_for(world.bappeda_head).get(reverse("correspondence:letter", args=[letter.pk]))
    assert b'data-testid="preview-signed"' in page.content
    assert reverse("correspondence:letter-pages", args=[letter.pk, "signed"]).encode() in (
        page.content
    )


@pytest.mark.parametrize("who", ["foreign_head", "outsider"])
def test_a_foreign_or_hidden_letter_answers_like_an_unknown_one(world, who):
    # GIVEN a sent letter to Bappeda, and a user of another tenant or of an unaddressed unit
    letter = sent(world)
    owner = client_for(world.bappeda_head)
    url = page_urls(owner.get(reverse("correspondence:letter-pages", args=[letter.pk, "signed"])))[
        0
    ]
    client = client_for(world.users[who])
    unknown = letter.pk + 10_000
    # THEN the list and the image are 404 for them, as for an id that does not exist
    for pk in (letter.pk, unknown):
        listing = client.get(reverse("correspondence:letter-pages", args=[pk, "signed"]))
        assert listing.status_code == 404
        image = client.get(url.replace(f"/{letter.pk}/", f"/{pk}/", 1))
        assert image.status_code == 404


def test_a_wrong_hash_is_a_404(world):
    letter = sent(world)
    client = client_for(world.bappeda_head)
    url = reverse("correspondence:letter-page", args=[letter.pk, "signed", "0" * 64, 1])
    assert client.get(url).status_code == 404


def test_the_draft_previews_for_who_may_preview_it_only(world):
    # GIVEN a draft
    letter = draft(world)
    drafter = client_for(world.drafter)
    # WHEN the drafter opens its preview
    urls = page_urls(drafter.get(reverse("correspondence:letter-pages", args=[letter.pk, "draft"])))
    # THEN its pages are images
    assert urls
    image = drafter.get(urls[0])
    assert image.status_code == 200
    assert b"".join(image.streaming_content).startswith(PNG)
    # AND someone who cannot see the draft gets a 404, list and image alike
    outsider = client_for(world.outsider)
    assert (
        outsider.get(reverse("correspondence:letter-pages", args=[letter.pk, "draft"])).status_code
        == 404
    )
    assert outsider.get(urls[0]).status_code == 404
    # AND a hash never listed for this letter has no image
    other = reverse("correspondence:letter-page", args=[letter.pk, "draft", "a" * 64, 1])
    assert drafter.get(other).status_code == 404


def test_a_pdf_attachment_and_an_image_attachment_preview_inline(world):
    letter = draft(world)
    pdf = svc.attachment_add(
        letter=letter, by=world.drafter, upload=SimpleUploadedFile("lampiran.pdf", PDF)
    )
    dot = svc.attachment_add(
        letter=letter,
        by=world.drafter,
        upload=SimpleUploadedFile("foto.png", DOT, content_type="image/png"),
    )
    client = client_for(world.drafter)
    urls = page_urls(client.get(reverse("correspondence:attachment-pages", args=[pdf.pk])))
    assert len(urls) == 1
    assert b"".join(client.get(urls[0]).streaming_content).startswith(PNG)
    urls = page_urls(client.get(reverse("correspondence:attachment-pages", args=[dot.pk])))
    image = client.get(urls[0])
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert "inline" in image["Content-Disposition"]
    # AND the attachment is a 404 for an outsider, as an unknown id is
    outsider = client_for(world.outsider)
    for pk in (pdf.pk, pdf.pk + 10_000):
        assert (
            outsider.get(reverse("correspondence:attachment-pages", args=[pk])).status_code == 404
        )
        assert (
            outsider.get(reverse("correspondence:attachment-page", args=[pk, 1])).status_code == 404
        )


def test_a_confidential_letters_preview_opens_only_when_asked_and_is_audited(world):
    from workflows.models import SecurityEvent

    # GIVEN a Rahasia letter, sent to Bappeda
    letter = sent(world, security="rahasia")
    client = client_for(world.bappeda_head)
    page = client.get(reverse("correspondence:letter", args=[letter.pk])).content.decode()
    # THEN its page offers the signed PDF's preview closed (nothing loads by itself)
    assert re.search(r'<details class="preview" data-testid="preview-signed"[^>]*toggle once', page)
    # AND opening it is recorded as reading the signed PDF is
    before = SecurityEvent.objects.filter(kind="letter.pdf_downloaded").count()
    page_urls(client.get(reverse("correspondence:letter-pages", args=[letter.pk, "signed"])))
    assert SecurityEvent.objects.filter(kind="letter.pdf_downloaded").count() == before + 1


def test_page_images_unused_for_a_month_are_swept(world, tmp_path):
    import os
    import time

    from correspondence.previews import KEEP_DAYS, previews_sweep

    # GIVEN two letters' page images, one last shown long ago
    old, fresh = sent(world, subject="Lama"), sent(world, subject="Baru")
    client = client_for(world.bappeda_head)
    for letter in (old, fresh):
        url = page_urls(
            client.get(reverse("correspondence:letter-pages", args=[letter.pk, "signed"]))
        )[0]
        assert client.get(url).status_code == 200
    folder = tmp_path / "previews" / f"signed-{old.pdf_sha256}"
    long_ago = time.time() - (KEEP_DAYS + 1) * 24 * 60 * 60
    os.utime(folder, (long_ago, long_ago))
    # WHEN the sweep runs
    assert previews_sweep() == 1
    # THEN only the unused images went; asked again, they are rendered again
    assert not folder.exists()
    assert (tmp_path / "previews" / f"signed-{fresh.pdf_sha256}").exists()
    url = page_urls(client.get(reverse("correspondence:letter-pages", args=[old.pk, "signed"])))[0]
    assert client.get(url).status_code == 200
