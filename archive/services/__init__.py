"""Writes of the archive, one module per area; callers import the module they need
(`from archive.services import records`). Each function is one transaction that writes its
audit row (the document's transition chain) and sends side effects on commit."""
