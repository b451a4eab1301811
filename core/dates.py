"""Dates as official Indonesian documents write them ("22 November 2026", "Senin, 23 November
2026"), whatever the language of the page around them."""

from __future__ import annotations

import datetime as dt

MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]
DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]


def date_long(day: dt.date) -> str:
    """22 November 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def day_date_long(day: dt.date) -> str:
    """Senin, 23 November 2026."""
    return f"{DAYS[day.weekday()]}, {date_long(day)}"
