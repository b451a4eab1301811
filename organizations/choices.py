from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeZone(models.TextChoices):
    WIB = "Asia/Jakarta", _("WIB (Asia/Jakarta)")
    WITA = "Asia/Makassar", _("WITA (Asia/Makassar)")
    WIT = "Asia/Jayapura", _("WIT (Asia/Jayapura)")

    @classmethod
    def abbreviation(cls, name: str) -> str:
        """The Indonesian abbreviation of a zone ("WIB"), or "" for another zone."""
        return cls(name).name if name in cls.values else ""


class RegionalRole(models.TextChoices):
    """The region's top posts, whose signature blocks follow their own rules (Permendagri
    1/2023 art. 44: no NIP or rank for them, no title either when held by an acting official)."""

    NONE = "", _("None")
    HEAD = "kdh", _("Regional head")
    VICE_HEAD = "wkdh", _("Vice regional head")
    SECRETARY = "sekda", _("Regional secretary")


class UnitKind(models.TextChoices):
    SECRETARIAT = "secretariat", _("Secretariat")
    AGENCY = "agency", _("Agency (dinas)")
    BOARD = "board", _("Board (badan)")
    INSPECTORATE = "inspectorate", _("Inspectorate")
    OFFICE = "office", _("Office (kantor, satpol, RSUD)")
    DIVISION = "division", _("Division (bidang, bagian)")
    SECTION = "section", _("Section (seksi, subbagian)")
    DISTRICT = "district", _("District (kecamatan)")
    SUBDISTRICT = "subdistrict", _("Sub-district (kelurahan, desa)")
    TECHNICAL_UNIT = "technical_unit", _("Technical unit (UPT)")
    OTHER = "other", _("Other")

    @classmethod
    def opd_kinds(cls) -> list[str]:
        """The kinds of unit that are an OPD (perangkat daerah) of their own."""
        return [
            cls.SECRETARIAT,
            cls.AGENCY,
            cls.BOARD,
            cls.INSPECTORATE,
            cls.OFFICE,
            cls.DISTRICT,
        ]


class AssignmentKind(models.TextChoices):
    DEFINITIVE = "definitive", _("Definitive")
    PLT = "plt", _("Plt (acting)")
    PLH = "plh", _("Plh (daily acting)")
    PJ = "pj", _("Pj (interim)")


class RoleKind(models.TextChoices):
    TENANT_ADMIN = "tenant_admin", _("Tenant administrator")
    UNIT_ADMIN = "unit_admin", _("Unit administrator")
    REGISTRY_CLERK = "registry_clerk", _("Registry clerk (agendaris)")
    SECRETARY = "secretary", _("Office of the head (TU/secretary)")
    RECORDS_OFFICER = "records_officer", _("Records unit (arsiparis)")
    STAFF = "staff", _("Staff")
