from .pending import PendingFile, PendingIncoming

__all__ = ["PendingFile", "PendingIncoming"]
