"""Background jobs of the exchange (run by the task worker)."""

from django.tasks import task


@task
def envelope_deliver(envelope_id: int) -> str:
    """One attempt to deliver an envelope to its peer."""
    from .services import envelope_deliver as deliver

    return deliver(envelope_id)


@task
def receipt_send(receipt_id: int) -> str:
    """One attempt to give a read or done receipt to the envelope's sender."""
    from .services import receipt_send as send

    return send(receipt_id)


@task
def directories_refresh() -> dict[str, str]:
    """Pin every peer's directory again (periodic, see apps.py)."""
    from .services import directories_refresh as refresh

    return refresh()


@task
def outbox_sweep() -> dict[str, int]:
    """Queue again envelopes and receipts whose attempt is overdue (periodic)."""
    from .services import outbox_due, receipts_due

    return {"envelopes": outbox_due(), "receipts": receipts_due()}
