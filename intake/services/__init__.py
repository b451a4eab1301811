"""The intake's use cases (the only writers of its models)."""

from .pending import pending_create, pending_discard, pending_register
from .reading import pending_read

__all__ = ["pending_create", "pending_discard", "pending_read", "pending_register"]
