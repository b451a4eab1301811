"""Background jobs of notifications (run by the task worker)."""

from django.tasks import task

from . import outbound, services


@task
def digest_send() -> int:
    """Periodic: the daily e-mail digest, once per user and local day after the digest hour."""
    return services.digest_send_due()


@task
def push_deliver(notification_ids: list[int]) -> int:
    """Web Push stored notifications to every device of their users (notifications.outbound)."""
    return outbound.push_deliver(notification_ids)


@task
def push_retry(notification_id: int, subscription_id: int, attempt: int) -> int:
    """One more try of a push that failed for a reason that may pass."""
    return outbound.push_retry(notification_id, subscription_id, attempt)


@task
def chat_deliver(notification_id: int, attempt: int) -> bool:
    """Send a stored notification to its user's chat address through the gateway."""
    return outbound.chat_deliver(notification_id, attempt)
