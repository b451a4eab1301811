"""Fields read from an incoming letter's OCR text (placeholder: the rules land with issue 29)."""

from __future__ import annotations


def letter_fields(text: str, *, tenant=None) -> dict[str, dict]:
    """{field: {"value": …, "confidence": 0–1}} for number, date (ISO), subject, sender,
    security, urgency, attachments and addressee; a field not found is left out."""
    return {}


def classification_top(tenant, subject: str, limit: int = 3) -> list[dict]:
    """The tenant's likeliest classification codes for this subject: [{code, title, score}]."""
    return []
