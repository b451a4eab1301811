"""Filing many records at once from a CSV list with their files, all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from organizations.models import Unit
from workflows.choices import SecurityLevel

from ..choices import Medium
from ..models import Classification, Record
from ..permissions import can_file_record, is_archivist
from .common import PLACE_FIELDS
from .records import record_create

CSV_COLUMNS = (
    "classification",
    "title",
    "date",
    "unit",
    "medium",
    "security",
    "number",
    "sender",
    "description",
    *PLACE_FIELDS,
    "quantity",
    "vital",
    "files",
)
MAX_IMPORT_ROWS = 5000


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The list must be a UTF-8 CSV file.")) from None
    sample = content[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(content), dialect=dialect)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = {"classification", "title", "date", "unit"} - set(header)
    if missing:
        raise ValidationError(
            _("The list lacks the columns: %(cols)s.") % {"cols": ", ".join(sorted(missing))}
        )
    rows = []
    for raw in reader:
        rows.append({(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()})
        if len(rows) > MAX_IMPORT_ROWS:
            raise ValidationError(_("At most %(n)s rows per list.") % {"n": MAX_IMPORT_ROWS})
    if not rows:
        raise ValidationError(_("The list has no rows."))
    return rows


@dataclass
class _Row:
    """A row of the list, checked: what `record_create` needs, or the problems found."""

    problems: list[str]
    names: list[str]
    classification: Classification | None = None
    unit: Unit | None = None
    day: dt.date | None = None
    medium: str = ""
    security: str = ""
    quantity: int = 1


def _row_check(row: dict[str, str], *, codes: dict, units: dict, by_name: dict, by) -> _Row:
    """Check one row against the tenant's codes and units and the uploaded files."""
    problems = []
    c = codes.get(row.get("classification", ""))
    unit = units.get(row.get("unit", ""))
    if c is None:
        problems.append(_("unknown classification %(v)s") % {"v": row.get("classification")})
    elif not is_archivist(by, c):
        problems.append(_("you are not an archivist of %(v)s") % {"v": c.code})
    if unit is None:
        problems.append(_("unknown unit %(v)s") % {"v": row.get("unit")})
    try:
        day = dt.date.fromisoformat(row.get("date", ""))
    except ValueError:
        problems.append(_("date must be YYYY-MM-DD"))
        day = None
    medium = row.get("medium") or Medium.DIGITAL
    if medium not in Medium.values:
        problems.append(_("medium must be one of %(v)s") % {"v": ", ".join(Medium.values)})
    security = row.get("security") or (c.default_security if c else SecurityLevel.BIASA)
    if security not in SecurityLevel.values:
        problems.append(_("unknown security level %(v)s") % {"v": security})
    names = [x.strip() for x in row.get("files", "").split(";") if x.strip()]
    lost = [x for x in names if x not in by_name]
    if lost:
        problems.append(_("files not uploaded: %(v)s") % {"v": ", ".join(lost)})
    if not row.get("title"):
        problems.append(_("title is empty"))
    try:
        quantity = int(row.get("quantity") or 1)
    except ValueError:
        problems.append(_("quantity must be a number"))
        quantity = 1
    return _Row(problems, names, c, unit, day, medium, security, quantity)


def _row_file(tenant, row: dict[str, str], checked: _Row, *, by_name: dict, by) -> Record:
    """File one checked row (its own savepoint: a refused file leaves nothing behind)."""
    location = {k: row.get(k, "") for k in PLACE_FIELDS}
    with transaction.atomic():
        return record_create(
            tenant=tenant,
            classification=checked.classification,
            unit=checked.unit,
            title=row["title"][:300],
            document_date=checked.day,
            by=by,
            uploads=[by_name[x] for x in checked.names],
            description=row.get("description", ""),
            number=row.get("number", "")[:120],
            sender=row.get("sender", "")[:300],
            security=checked.security,
            medium=checked.medium,
            quantity=checked.quantity,
            location=location,
            is_vital=row.get("vital", "").lower() in ("1", "ya", "yes", "true", "y"),
        )


@transaction.atomic
def records_import_csv(
    *, tenant, csv_file: UploadedFile, uploads: list[UploadedFile], by
) -> list[Record]:
    """File many records from a CSV list (one row per record; the `files` column names
    uploaded files, separated by ";"). All or nothing: any bad row refuses the whole list with
    every problem named by row. Raises PermissionDenied or ValidationError."""
    if not can_file_record(by):
        raise PermissionDenied
    if csv_file.size is None or csv_file.size > 5 * 1024 * 1024:
        raise ValidationError(_("The list is larger than 5 MB."))
    rows = _csv_rows(csv_file.read())
    by_name = {}
    for up in uploads:
        by_name[(up.name or "").rsplit("/", 1)[-1]] = up
    codes = {c.code: c for c in Classification.objects.filter(tenant=tenant, is_active=True)}
    units = {u.code: u for u in Unit.objects.filter(tenant=tenant)}
    errors: list[str] = []
    used: set[str] = set()
    made: list[Record] = []
    for n, row in enumerate(rows, start=2):  # row 1 is the header
        checked = _row_check(row, codes=codes, units=units, by_name=by_name, by=by)
        if checked.problems:
            errors.append(_("Row %(n)s: %(p)s.") % {"n": n, "p": "; ".join(checked.problems)})
            continue
        used.update(checked.names)
        try:
            made.append(_row_file(tenant, row, checked, by_name=by_name, by=by))
        except ValidationError as exc:
            errors.append(_("Row %(n)s: %(p)s.") % {"n": n, "p": "; ".join(exc.messages)})
    unused = set(by_name) - used
    if unused and not errors:
        errors.append(_("Files not named in the list: %(v)s.") % {"v": ", ".join(sorted(unused))})
    if errors:
        transaction.set_rollback(True)
        raise ValidationError(errors)
    return made
