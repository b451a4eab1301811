"""HTML pages of correspondence: parse, call one service or selector, render. The URL patterns
are in `correspondence/urls.py`; every view is importable from here."""

from .certificate import signing_certificate
from .compose import compose, edit
from .deliveries import delivery_finish, disposition_action, disposition_new, disposition_report
from .files import (
    attachment_delete,
    attachment_download,
    attachment_upload,
    disposition_sheet,
    letter_pdf_download,
    letter_preview,
    verify,
)
from .letters import comment, dispatch_external, letter_action, letter_detail
from .lists import awaiting, dispositions, drafts, inbox, outbox
from .previews import attachment_page_image, attachment_pages, letter_page_image, letter_pages
from .registry import (
    delegation_end,
    delegations,
    incoming_new,
    reservation_action,
    reservations,
)

__all__ = [
    "attachment_delete",
    "attachment_download",
    "attachment_page_image",
    "attachment_pages",
    "attachment_upload",
    "awaiting",
    "comment",
    "compose",
    "delegation_end",
    "delegations",
    "delivery_finish",
    "dispatch_external",
    "disposition_action",
    "disposition_new",
    "disposition_report",
    "disposition_sheet",
    "dispositions",
    "drafts",
    "edit",
    "inbox",
    "incoming_new",
    "letter_action",
    "letter_detail",
    "letter_page_image",
    "letter_pages",
    "letter_pdf_download",
    "letter_preview",
    "outbox",
    "reservation_action",
    "reservations",
    "signing_certificate",
    "verify",
]
