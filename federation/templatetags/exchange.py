"""The letter page's view of a letter on its way to a partner instance."""

from django import template

from ..models import Envelope

register = template.Library()


@register.filter
def exchange_envelope(recipient):
    """The envelope that carries the letter to this recipient, when it is a peer address."""
    if recipient.scope != "external":
        return None
    return Envelope.objects.filter(recipient_id=recipient.pk).select_related("target").first()
