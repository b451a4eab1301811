"""Use cases of correspondence, one module per part of a letter's life. Each is one transaction:
lock, check, transition, save, log, grant, and notify on commit. Errors: PermissionDenied (may
see but not act), TransitionNotAllowed (wrong state or unmet condition), StaleEdit (edited
meanwhile), ValidationError (bad input).

Callers use this package (`from correspondence import services as svc`); the modules are
its inside. A test that replaces a helper patches the module that calls it."""

from ..permissions import position_users
from .acting import delivery_acknowledge, letter_forward, letter_reply_start
from .bulk import Outcome, deliveries_close, deliveries_mark_read, ids_parse, letters_sign_many
from .comments import comment_add
from .common import (
    ALLOWED_TAGS,
    RecipientInput,
    StaleEdit,
    body_sanitize,
    notice_subject,
    tenant_today,
)
from .defaults import DEFAULT_INSTRUCTIONS, DEFAULT_TYPES, letter_types_ensure_defaults
from .delegations import delegation_create, delegation_end
from .deliveries import (
    attachment_downloaded,
    delivery_finish,
    letter_opened,
    letter_pdf_downloaded,
    letter_preview_opened,
)
from .dispositions import (
    disposition_cancel,
    disposition_confirm,
    disposition_create,
    disposition_due_notify,
    disposition_open,
    disposition_report,
)
from .drafting import (
    AUTOSAVED,
    EDITABLE,
    attachment_add,
    attachment_remove,
    changes_since_last_look,
    letter_autosave,
    letter_cancel,
    letter_create,
    letter_update,
    letter_version_restore,
    scan_file_for,
)
from .emailing import recipient_email, recipient_mark_undelivered, recipients_email_queue
from .groups import recipient_group_delete, recipient_group_save
from .outage_letters import HandMadeLetter, OutageNumberTaken, outage_letter_register
from .outages import (
    outage_blocks_ensure,
    outage_blocks_ensure_all,
    outage_end,
    outage_open,
    outage_record,
)
from .register import incoming_accept, incoming_register
from .reservations import numbers_reserve, reservation_bind, reservation_release
from .review import (
    letter_approve,
    letter_return,
    letter_submit,
    letter_withdraw,
    review_needed,
    route_propose,
    signer_propose,
)
from .sending import (
    letter_close,
    letter_reschedule,
    letter_retract,
    letter_send,
    recipient_mark_dispatched,
)
from .signatures import letter_sign, letter_sign_failed, letter_sign_request, signatures_renew

__all__ = [
    "ALLOWED_TAGS",
    "AUTOSAVED",
    "DEFAULT_INSTRUCTIONS",
    "DEFAULT_TYPES",
    "EDITABLE",
    "HandMadeLetter",
    "OutageNumberTaken",
    "Outcome",
    "RecipientInput",
    "StaleEdit",
    "attachment_add",
    "attachment_downloaded",
    "attachment_remove",
    "body_sanitize",
    "changes_since_last_look",
    "comment_add",
    "delegation_create",
    "delegation_end",
    "deliveries_close",
    "deliveries_mark_read",
    "delivery_acknowledge",
    "delivery_finish",
    "disposition_cancel",
    "disposition_confirm",
    "disposition_create",
    "disposition_due_notify",
    "disposition_open",
    "disposition_report",
    "ids_parse",
    "incoming_accept",
    "incoming_register",
    "letter_approve",
    "letter_autosave",
    "letter_cancel",
    "letter_close",
    "letter_create",
    "letter_forward",
    "letter_opened",
    "letter_pdf_downloaded",
    "letter_preview_opened",
    "letter_reply_start",
    "letter_reschedule",
    "letter_retract",
    "letter_return",
    "letter_send",
    "letter_sign",
    "letter_sign_failed",
    "letter_sign_request",
    "letter_submit",
    "letter_types_ensure_defaults",
    "letter_update",
    "letter_version_restore",
    "letter_withdraw",
    "letters_sign_many",
    "notice_subject",
    "numbers_reserve",
    "outage_blocks_ensure",
    "outage_blocks_ensure_all",
    "outage_end",
    "outage_letter_register",
    "outage_open",
    "outage_record",
    "position_users",
    "recipient_email",
    "recipient_group_delete",
    "recipient_group_save",
    "recipient_mark_dispatched",
    "recipient_mark_undelivered",
    "recipients_email_queue",
    "reservation_bind",
    "reservation_release",
    "review_needed",
    "route_propose",
    "scan_file_for",
    "signatures_renew",
    "signer_propose",
    "tenant_today",
]
