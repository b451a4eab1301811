"""Records moved along their life through the services, for the disposal, hold, transfer and
export tests."""

from __future__ import annotations

import datetime as dt

from archive.choices import Decision
from archive.models import DisposalProposal, Record
from archive.services import disposal

from .helpers import record

OLD = dt.date(2015, 1, 5)  # 000.1 (2 + 3 years) and 000.7 are past their retention today


def inactive(world, **kw) -> Record:
    """A record of Kominfo whose retention ended, made inactive by the sweep."""
    kw.setdefault("document_date", OLD)
    r = record(world, **kw)
    disposal.retention_sweep()
    # The sweep also proposed it: withdraw that proposal so each test builds its own.
    for p in DisposalProposal.objects.filter(items__record=r, state="draft"):
        disposal.proposal_cancel(proposal=p, by=world.archivist)
    return Record.objects.get(pk=r.pk)


def proposed(world, *records: Record) -> DisposalProposal:
    """A draft proposal of these (already inactive, due) records."""
    return disposal.proposal_create(tenant=world.tenant, records=list(records), by=world.archivist)


def approved(world, proposal: DisposalProposal) -> DisposalProposal:
    disposal.proposal_submit(proposal=proposal, by=world.archivist)
    disposal.proposal_decide(
        proposal=proposal, by=world.users["dispusip_head"], decision=Decision.APPROVED
    )
    return disposal.proposal_decide(proposal=proposal, by=world.sekda, decision=Decision.APPROVED)


def permanent(world, **kw) -> Record:
    """A record made permanent by an executed proposal (000.7 is kept permanently)."""
    kw.setdefault("classification", "000.7")
    r = inactive(world, **kw)
    disposal.proposal_execute(proposal=approved(world, proposed(world, r)), by=world.archivist)
    return Record.objects.get(pk=r.pk)
