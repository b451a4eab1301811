"""The media disk full (a small tmpfs): an upload answers 507 in Indonesian, saves no row and
leaves no half-written file; once there is room again the same upload goes through."""

import io
import subprocess
import uuid

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from accounts.services import api_token_create
from correspondence.models import Attachment
from tests.conftest import host_of
from tests.correspondence.helpers import draft

from .helpers import env, web

pytestmark = [
    pytest.mark.faults,
    pytest.mark.clock_free,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def _pdf(min_bytes: int) -> bytes:
    """A real PDF of at least `min_bytes` (uncompressed pages of random text)."""
    pages = 16
    while True:
        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=0)
        for _ in range(pages):
            for line in range(60):
                pdf.drawString(40, 800 - line * 12, uuid.uuid4().hex * 2)
            pdf.showPage()
        pdf.save()
        if buffer.tell() >= min_bytes:
            return buffer.getvalue()
        pages *= 2


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "media"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _multipart(data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="lampiran.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_an_upload_to_a_full_disk_saves_nothing_and_works_once_there_is_room(world, small_disk):
    from .helpers import request

    letter = draft(world)
    token = api_token_create(user=world.drafter, name="disk", scope="write")
    host = host_of(world.drafter)
    body, content_type = _multipart(_pdf(2 * 1024 * 1024))
    headers = {"Authorization": f"Token {token}", "Content-Type": content_type}
    path = f"/api/v1/letters/{letter.pk}/attachments/"
    port, server = web(env(NASKAH_MEDIA_ROOT=str(small_disk)))
    with server:
        status, answer, _s = request(port, host, "POST", path, headers=headers, body=body)
        assert status == 507, answer[:300]
        assert "Penyimpanan berkas penuh" in answer.decode()
        assert not Attachment.objects.filter(letter=letter).exists()
        assert [p for p in small_disk.rglob("*") if p.is_file()] == []  # no half-written file

        subprocess.run(["mount", "-o", "remount,size=20m", str(small_disk)], check=True)
        status, answer, _s = request(port, host, "POST", path, headers=headers, body=body)
        assert status == 201, answer[:300]
        assert Attachment.objects.filter(letter=letter).count() == 1
