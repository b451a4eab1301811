"""Reads of the archive used by pages, the API and other apps, one module per area:
`records` (records, case files, the file plan), `disposal` (proposals, holds), `transfers`
and `lending`. The records' reads are the package's own names (`archive.selectors.record_list`),
the others are read through their module (`from archive.selectors import lending`)."""

from .records import (
    Facets,
    RecordFilters,
    case_file_list,
    file_plan,
    record_facets,
    record_file_get_for_user,
    record_filter,
    record_for_source,
    record_get_for_user,
    record_history,
    record_list,
    record_of_sources_for_user,
    thread_case_file,
)

__all__ = [
    "Facets",
    "RecordFilters",
    "case_file_list",
    "file_plan",
    "record_facets",
    "record_file_get_for_user",
    "record_filter",
    "record_for_source",
    "record_get_for_user",
    "record_history",
    "record_list",
    "record_of_sources_for_user",
    "thread_case_file",
]
