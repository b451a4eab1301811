"""Upload checks shared by every app: allowlisted types recognised by content, size limits.

A file is accepted only when its extension is allowed *and* its bytes are what the extension
claims (magic numbers via the `filetype` library). Names from the client are never used for
storage: callers store under `stored_name()`.
"""

from __future__ import annotations

import hashlib
import secrets
import socket
import struct
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import urlparse

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from .pdfcheck import pdf_check

# extension -> (size class, MIME types the content may have)
ALLOWED: dict[str, tuple[str, frozenset[str]]] = {
    "pdf": ("pdf", frozenset({"application/pdf"})),
    "png": ("image", frozenset({"image/png"})),
    "jpg": ("image", frozenset({"image/jpeg"})),
    "jpeg": ("image", frozenset({"image/jpeg"})),
    "docx": (
        "office",
        frozenset(
            {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/zip",
            }
        ),
    ),
    "xlsx": (
        "office",
        frozenset(
            {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/zip",
            }
        ),
    ),
    **{
        ext: (
            "office",
            frozenset({f"application/vnd.oasis.opendocument.{kind}", "application/zip"}),
        )
        for ext, kind in (("odt", "text"), ("ods", "spreadsheet"), ("odp", "presentation"))
    },
}
SCAN_TYPES = frozenset({"pdf", "png", "jpg", "jpeg"})
# The member that says what a ZIP-based document is: OOXML's content types, OpenDocument's
# mimetype (which `filetype` checks at the start of the file).
ZIP_SIGNATURE = {"odt": "mimetype", "ods": "mimetype", "odp": "mimetype"}
_READ = 64 * 1024


@dataclass(frozen=True)
class UploadInfo:
    original_name: str
    extension: str
    content_type: str
    size: int
    sha256: str

    def stored_fields(self, name_field: str = "original_name") -> dict[str, str | int]:
        """The columns a stored-file row keeps of the upload (its name under `name_field`)."""
        return {
            name_field: self.original_name,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
        }


def _clean_name(name: str) -> str:
    # Keep only the last path component, printable, bounded: it is shown, never used as a path.
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable()).strip() or "file"
    return base[-200:]


def upload_inspect(upload: UploadedFile, *, allowed: frozenset[str] | None = None) -> UploadInfo:
    """Check an upload's type (by content) and size; raises ValidationError naming why."""
    name = _clean_name(upload.name or "")
    ext = PurePath(name).suffix.lower().lstrip(".")
    permitted = allowed if allowed is not None else frozenset(ALLOWED)
    if ext not in ALLOWED or ext not in permitted:
        raise ValidationError(
            _("%(name)s: files of type .%(ext)s are not accepted (allowed: %(allowed)s).")
            % {"name": name, "ext": ext or "?", "allowed": ", ".join(sorted(permitted))},
            code="type",
        )
    size_class, mimes = ALLOWED[ext]
    limit_mb = settings.NASKAH_UPLOAD_MAX_MB[size_class]
    if upload.size is None or upload.size > limit_mb * 1024 * 1024:
        raise ValidationError(
            _("%(name)s is larger than the %(limit)s MB allowed for this type.")
            % {"name": name, "limit": limit_mb},
            code="size",
        )
    if upload.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="empty")
    upload.seek(0)
    head = upload.read(8192)
    kind = filetype.guess(head)
    detected = kind.mime if kind else ""
    if detected not in mimes or (ext == "pdf" and not head.startswith(b"%PDF-")):
        raise ValidationError(
            _("%(name)s does not contain what its extension .%(ext)s says.")
            % {"name": name, "ext": ext},
            code="content",
        )
    digest = hashlib.sha256(head)
    while chunk := upload.read(_READ):
        digest.update(chunk)
    upload.seek(0)
    if size_class == "office":
        _check_zip(upload, name, ZIP_SIGNATURE.get(ext, "[Content_Types].xml"))
    elif ext == "pdf":
        reason = pdf_check(upload.read())
        upload.seek(0)
        if reason is not None:
            raise ValidationError(
                _(
                    "%(name)s is a damaged or unsafe PDF and cannot be opened (%(why)s). Save it "
                    "again as PDF and upload the new file."
                )
                % {"name": name, "why": reason},
                code="damaged",
            )
    if settings.NASKAH_CLAMD_URL:
        verdict = clamd_scan(upload, settings.NASKAH_CLAMD_URL)
        upload.seek(0)
        if verdict is not None:
            raise ValidationError(
                _("%(name)s was refused by the virus scanner (%(why)s).")
                % {"name": name, "why": verdict},
                code="virus",
            )
    content_type = min(mimes) if detected == "application/zip" else detected
    return UploadInfo(name, ext, content_type, upload.size, digest.hexdigest())


MAX_UNZIPPED = 200 * 1024 * 1024
MAX_RATIO = 100
MAX_MEMBERS = 10000


def _check_zip(upload: UploadedFile, name: str, signature: str) -> None:
    """Office files are ZIP archives: refuse bombs (huge or extreme expansion) and archives
    without the `signature` member of their format."""
    bad = ValidationError(
        _("%(name)s is damaged or is not an Office document.") % {"name": name}, code="damaged"
    )
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            if signature not in archive.namelist():
                raise bad
    except zipfile.BadZipFile:
        raise bad from None
    finally:
        upload.seek(0)
    unzipped = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if len(members) > MAX_MEMBERS or unzipped > MAX_UNZIPPED or unzipped / packed > MAX_RATIO:
        raise ValidationError(
            _('%(name)s expands to %(mb)d MB when opened (a "zip bomb"); it is refused.')
            % {"name": name, "mb": unzipped // (1024 * 1024)},
            code="zip_bomb",
        )


def clamd_scan(upload: UploadedFile, url: str, *, timeout: float = 30) -> str | None:
    """Scan with a clamd daemon (INSTREAM): None when clean, else the signature found.
    A scanner that cannot be reached refuses the file rather than letting it through."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 3310), timeout) as conn:
            conn.sendall(b"zINSTREAM\0")
            upload.seek(0)
            while chunk := upload.read(_READ):
                conn.sendall(struct.pack("!L", len(chunk)) + chunk)
            conn.sendall(struct.pack("!L", 0))
            answer = conn.recv(4096).decode(errors="replace").strip("\0 \n")
    except OSError:
        return "scanner unavailable"
    if answer.endswith("OK"):
        return None
    return answer.removeprefix("stream:").strip()


def stored_name(info: UploadInfo) -> str:
    """A generated storage name that keeps only the checked extension."""
    return f"{secrets.token_hex(16)}.{info.extension}"
