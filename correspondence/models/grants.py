"""Guardian's direct foreign-key permission tables: integer joins instead of text object ids."""

from __future__ import annotations

from django.db import models
from guardian.models import UserObjectPermissionBase

from .deliveries import Delivery
from .dispositions import Disposition
from .letters import Attachment, Letter


class LetterUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Letter, on_delete=models.CASCADE)


class DeliveryUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Delivery, on_delete=models.CASCADE)


class DispositionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Disposition, on_delete=models.CASCADE)


class AttachmentUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Attachment, on_delete=models.CASCADE)
