"""The tenant file's `rooms` and `calendar` sections."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from organizations.models import Unit
from organizations.tenantfile import CODE, Section, Strict, TenantFileError, rows_upsert

from .models import Room
from .services import calendar_settings_set


class RoomEntry(Strict):
    code: str = Field(pattern=CODE, max_length=30)
    name: str = Field(min_length=1, max_length=120)
    building: str = Field(default="", max_length=120)
    capacity: int = Field(default=10, ge=1, le=10000)
    unit: str = Field(default="", max_length=30)
    active: bool = True


class CalendarEntry(Strict):
    reminder_minutes: list[int] = Field(default=[1440, 60], max_length=5)


def _load_rooms(tenant, entries: list[RoomEntry], base_dir: Path) -> dict[str, int]:
    def unit_of(order: int, e: RoomEntry) -> dict[str, Unit | None]:
        unit = Unit.objects.filter(tenant=tenant, code=e.unit).first() if e.unit else None
        if e.unit and unit is None:
            raise TenantFileError(f"rooms: {e.code}: unknown unit {e.unit!r}.")
        return {"unit": unit}

    made = rows_upsert(Room, tenant, entries, extra=unit_of)
    return {"rooms": made} if made else {}


def _load_calendar(tenant, entries: list[CalendarEntry], base_dir: Path) -> dict[str, int]:
    for e in entries[-1:]:  # one entry is expected; the last one wins
        calendar_settings_set(tenant=tenant, reminder_minutes=e.reminder_minutes)
    return {}


SECTIONS = [
    Section("rooms", RoomEntry, _load_rooms, order=30),
    Section("calendar", CalendarEntry, _load_calendar, order=31),
]
