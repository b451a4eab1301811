"""Letters and their life: types, drafts, versions, review routes, numbers, deliveries, dispositions.

Models hold fields, constraints and FSM transitions (which only change fields). Who may fire a
transition is answered by `permissions.py`; the use cases in `services/` lock, check, fire,
save, log and grant in one transaction. Every model is importable from here.
"""

from .deliveries import Delegation, Delivery, InboxChange
from .dispositions import Disposition
from .grants import (
    AttachmentUserObjectPermission,
    DeliveryUserObjectPermission,
    DispositionUserObjectPermission,
    LetterUserObjectPermission,
)
from .groups import RecipientGroup
from .letters import Attachment, Comment, Letter, LetterVersion, Recipient, ReviewStep
from .records import RecordSplitPending
from .reference import AddressBookEntry, DispositionInstruction, LetterTemplate, LetterType
from .registry import NumberCounter, NumberReservation, Outage
from .signing import SignerCertificate, SigningAuthority, SigningMandate

__all__ = [
    "AddressBookEntry",
    "Attachment",
    "AttachmentUserObjectPermission",
    "Comment",
    "Delegation",
    "Delivery",
    "DeliveryUserObjectPermission",
    "Disposition",
    "DispositionInstruction",
    "DispositionUserObjectPermission",
    "InboxChange",
    "Letter",
    "LetterTemplate",
    "LetterType",
    "LetterUserObjectPermission",
    "LetterVersion",
    "NumberCounter",
    "NumberReservation",
    "Outage",
    "Recipient",
    "RecipientGroup",
    "RecordSplitPending",
    "ReviewStep",
    "SignerCertificate",
    "SigningAuthority",
    "SigningMandate",
]
