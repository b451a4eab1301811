"""The outage sheet: a unit's outage numbers per letter type and what to do with them, printed
and kept in the office for the day the platform cannot be reached."""

from __future__ import annotations

import html
import io

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

from core.pdfdoc import page_template

from . import flow, render


def outage_instructions() -> list[str]:
    """The steps the sheet and its page give, in order."""
    return [
        _(
            "Use these numbers only while the platform cannot be reached: the tenant "
            "administrator records the outage, during it or afterwards."
        ),
        _(
            "Make the letter on paper as usual. Take the next unused number of the letter's "
            "type below, fill in what the number leaves open (…: the classification code, the "
            "month) and cross the number off this sheet with the date and the subject."
        ),
        _("Have it signed with wet ink and stamped; send it by hand, courier or post."),
        _(
            "Keep a copy (or the draft) and note who received it; never give one number to "
            "two letters."
        ),
        _(
            "When the platform is back, the agenda clerk registers each letter under its number "
            "(Letters → Outage numbers): its scan, type, date, subject, security, signer and "
            "addressees. It then reaches the recipients' inboxes, the agenda and the archive."
        ),
        _("A number not used stays held for the next outage; the unit gets new ones as used."),
    ]


def _e(text) -> str:
    return html.escape(str(text or ""))


def outage_sheet_pdf(sheets, *, tenant, printed_on: str) -> bytes:
    """The sheets (`selectors_outage.outage_sheets`) as one PDF, a page per unit."""
    st = flow._styles()
    out = []
    for i, sheet in enumerate(sheets):
        if i:
            out.append(PageBreak())
        out.append(Paragraph(_e(tenant.letterhead_government or tenant.name), st["center"]))
        out.append(Paragraph(_e(sheet.unit.name).upper(), st["title"]))
        out.append(Paragraph(_e(_("OUTAGE NUMBERS")), st["title"]))
        out.append(Paragraph(_e(_("Printed %(d)s") % {"d": printed_on}), st["small"]))
        out.append(Spacer(1, 4 * mm))
        for n, step in enumerate(outage_instructions(), start=1):
            out.append(Paragraph(f"{n}. {_e(step)}", st["cell"]))
        out.append(Spacer(1, 4 * mm))
        rows = [[_("Type"), _("Number"), _("Date"), _("Subject"), _("Registered")]]
        for block in sheet.blocks:
            for r in block.numbers:
                rows.append([block.letter_type.name, r.number, "", "", ""])
        table = Table(
            [[Paragraph(_e(c), st["cell"]) for c in row] for row in rows],
            colWidths=[35 * mm, 45 * mm, 22 * mm, 50 * mm, 18 * mm],
            repeatRows=1,
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        out.append(table)
    if not out:
        out.append(Paragraph(_e(_("No outage numbers are held.")), st["base"]))
    buffer = io.BytesIO()
    page_template(
        buffer, margins=(20, 15, 15, 15), title=_("Outage numbers"), author=tenant.name
    ).build(out, canvasmaker=render.canvas_maker)
    return buffer.getvalue()
