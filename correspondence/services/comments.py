"""Comments on letters."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from notifications.services import object_changed
from organizations.models import User

from .. import permissions as policy
from ..models import (
    Comment,
    Letter,
)


@transaction.atomic
def comment_add(*, letter: Letter, by: User, text: str) -> Comment:
    """Add a comment to a letter the user may see."""
    if not policy.can_comment_letter(by, letter):
        raise PermissionDenied
    if not (text or "").strip():
        raise ValidationError({"text": _("Write a comment.")})
    comment = Comment.objects.create(letter=letter, author=by, text=text.strip()[:4000])
    object_changed("letter", letter.pk, action="comment")
    return comment
