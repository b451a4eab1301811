"""The search vocabulary (PostgreSQL only)."""

from __future__ import annotations

from django.db import models


class SearchTerm(models.Model):
    """A word of a tenant's record titles and senders (PostgreSQL only): the vocabulary a
    misspelt search is corrected against ("Nasutiom" -> "nasution") before the words are
    looked up again. Filled by a database trigger on the record table (migration 0004);
    read only by `archive.search`, and never shown unless a record the user may open has it."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "term"], name="searchterm_once"),
        ]

    def __str__(self) -> str:
        return self.term
