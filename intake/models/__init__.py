from .pending import PendingIncoming

__all__ = ["PendingIncoming"]
