"""The records store: the file plan (classifications with their retention rule), records and
their files, case files (berkas), legal holds, disposal proposals, transfers and loans.

The archive knows nothing of letters: a record points at its source through a generic link
(`source`), and correspondence files a finished letter through `archive.services`.

Its models live one module per area; they are all importable from here
(`from archive.models import Record`), as Django and the migrations expect.
"""

from .disposal import DisposalApproval, DisposalItem, DisposalProposal, LegalHold
from .fileplan import ArchiveSettings, CaseFile, Classification, add_years
from .lending import Loan
from .records import Record, RecordFile
from .search import SearchTerm
from .transfers import Transfer

__all__ = [
    "ArchiveSettings",
    "CaseFile",
    "Classification",
    "DisposalApproval",
    "DisposalItem",
    "DisposalProposal",
    "LegalHold",
    "Loan",
    "Record",
    "RecordFile",
    "SearchTerm",
    "Transfer",
    "add_years",
]
