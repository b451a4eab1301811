"""HTML pages of correspondence: parse, call one service or selector, render. The URL patterns
are in `correspondence/urls.py`; every view is importable from here."""

from .acting import delivery_acknowledge, inbox_bulk, letter_forward, letter_reply, sign_many
from .certificate import signing_certificate
from .compose import compose, edit
from .deliveries import delivery_finish, disposition_action, disposition_new, disposition_report
from .drafts import autosave, template_fill, version, version_restore, versions
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
from .outage import (
    number_register,
    outage_end,
    outage_letter_new,
    outage_numbers,
    outage_sheet,
    outage_sheet_download,
    outages,
)
from .picker import picker, recipient_group_create, recipient_group_delete
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
    "autosave",
    "awaiting",
    "comment",
    "compose",
    "delegation_end",
    "delegations",
    "delivery_acknowledge",
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
    "inbox_bulk",
    "incoming_new",
    "letter_action",
    "letter_detail",
    "letter_forward",
    "letter_page_image",
    "letter_pages",
    "letter_pdf_download",
    "letter_preview",
    "letter_reply",
    "number_register",
    "outage_end",
    "outage_letter_new",
    "outage_numbers",
    "outage_sheet",
    "outage_sheet_download",
    "outages",
    "outbox",
    "picker",
    "recipient_group_create",
    "recipient_group_delete",
    "reservation_action",
    "reservations",
    "sign_many",
    "signing_certificate",
    "template_fill",
    "verify",
    "version",
    "version_restore",
    "versions",
]
