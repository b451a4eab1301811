"""The exchange's use cases: peers and directories (`peers`), the sender's outbox
(`outbox`), the receiver's acceptance (`arrivals`) and read/done receipts (`receipts`)."""

from .arrivals import envelope_accept, exchange_account
from .outbox import envelope_deliver, envelopes_for_sent, outbox_due
from .peers import directories_refresh, directory_build, directory_pin, instance_card, peer_set
from .receipts import receipt_accept, receipt_issue, receipt_send, receipts_due

__all__ = [
    "directories_refresh",
    "directory_build",
    "directory_pin",
    "envelope_accept",
    "envelope_deliver",
    "envelopes_for_sent",
    "exchange_account",
    "instance_card",
    "outbox_due",
    "peer_set",
    "receipt_accept",
    "receipt_issue",
    "receipt_send",
    "receipts_due",
]
