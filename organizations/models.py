from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from .choices import AssignmentKind, RegionalRole, RoleKind, TimeZone, UnitKind
from .querysets import AssignmentQuerySet, TenantQuerySet, UnitManager
from .validators import hex_colour, validate_echelon, validate_nik, validate_nip


class Tenant(models.Model):
    """One government on the platform, under its own name, letterhead and time zone."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("official name"), max_length=200)
    app_name = models.CharField(_("application name"), max_length=60)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    logo = models.FileField(_("logo"), upload_to="tenants/logos/", blank=True)
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#1a5f7a", validators=[hex_colour]
    )
    accent_colour = models.CharField(
        _("accent colour"), max_length=7, default="#f2a900", validators=[hex_colour]
    )
    letterhead_government = models.CharField(_("letterhead: government"), max_length=200)
    letterhead_address = models.CharField(_("letterhead: address"), max_length=255, blank=True)
    letterhead_phone = models.CharField(_("letterhead: phone"), max_length=100, blank=True)
    letterhead_email = models.CharField(_("letterhead: e-mail"), max_length=100, blank=True)
    letterhead_website = models.CharField(_("letterhead: website"), max_length=100, blank=True)
    city = models.CharField(_("city for the place-and-date line"), max_length=100)
    region = models.CharField(
        _("region as written after a post"),
        max_length=100,
        blank=True,
        help_text=_("E.g. 'Kota Medan'; empty: the official name without 'Pemerintah'."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=40, choices=TimeZone.choices, default=TimeZone.WIB
    )
    number_pattern = models.CharField(
        _("letter number pattern"),
        max_length=120,
        default="{seq}/{classification}/{unit}/{year}",
        help_text=_("Placeholders: {seq} {classification} {unit} {type} {month_roman} {year}"),
    )
    max_reviewers = models.PositiveSmallIntegerField(_("maximum reviewers per letter"), default=6)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.app_name} ({self.name})"

    @property
    def region_name(self) -> str:
        """The region as letters write it after a post: "Kota Medan"."""
        name = self.name
        if name.lower().startswith("pemerintah "):
            name = name[len("pemerintah ") :]
        return self.region or name

    @property
    def primary_domain(self) -> str:
        domains = list(self.domains.all())
        primary = [d for d in domains if d.is_primary] or domains
        return primary[0].host if primary else ""

    @property
    def base_url(self) -> str:
        """Where links made outside a request lead: "https://medan.go.id", with
        NASKAH_PUBLIC_PORT when one is set ("http://medan.localhost:8101")."""
        port = settings.NASKAH_PUBLIC_PORT
        host = f"{self.primary_domain}:{port}" if port else self.primary_domain
        return f"{settings.NASKAH_PUBLIC_SCHEME}://{host}"


class TenantDomain(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="domains")
    host = models.CharField(_("host name"), max_length=253, unique=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("tenant domain")
        verbose_name_plural = _("tenant domains")
        constraints = [
            models.CheckConstraint(
                condition=Q(host=models.functions.Lower("host")), name="tenantdomain_host_lowercase"
            ),
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(is_primary=True), name="tenantdomain_one_primary"
            ),
        ]

    def __str__(self) -> str:
        return self.host


class User(AbstractUser):
    """A civil servant (or a platform operator when `tenant` is empty)."""

    tenant = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    name = models.CharField(
        _("full name with titles"),
        max_length=200,
        blank=True,
        help_text=_("As printed in signature blocks, e.g. 'Dr. Rina Siregar, S.Kom., M.Si.'"),
    )
    nip = models.CharField(_("NIP"), max_length=18, blank=True, validators=[validate_nip])
    nik = models.CharField(_("NIK"), max_length=16, blank=True, validators=[validate_nik])
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    rank = models.CharField(
        _("rank (pangkat/golongan)"),
        max_length=80,
        blank=True,
        help_text=_("As printed under the name, e.g. 'Pembina Utama Muda (IV/c)'."),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "nip"], condition=~Q(nip=""), name="user_nip_unique_per_tenant"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username


class Unit(MP_Node):
    """A node of the organisation tree: OPD, bidang, seksi, kecamatan, kelurahan, UPT."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="units")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=80, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    # The unit's own letterhead lines (address, phone, email, website); empty keys fall back to
    # the tenant's letterhead.
    letterhead = models.JSONField(_("letterhead"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = UnitManager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="unit_code_unique_per_tenant"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def letterhead_line(self, key: str) -> str:
        """One line of the unit's letterhead, or the tenant's."""
        return (self.letterhead or {}).get(key) or getattr(self.tenant, f"letterhead_{key}", "")


class Position(models.Model):
    """A post (jabatan) inside a unit."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="positions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="positions")
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    is_head = models.BooleanField(_("heads the unit"), default=False)
    can_sign = models.BooleanField(_("may sign letters"), default=False)
    # Eselon (I.a ... V.a): the tenant's access rules may name echelons (workflows.reach).
    echelon = models.CharField(
        _("echelon"), max_length=8, blank=True, validators=[validate_echelon]
    )
    regional_role = models.CharField(
        _("regional role"), max_length=5, choices=RegionalRole.choices, blank=True, default=""
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["unit__path", "sort_order", "title"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="position_code_unique_per_unit"),
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(is_head=True, is_active=True),
                name="position_one_head_per_unit",
                violation_error_message=_("This unit already has a head position."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Assignment(models.Model):
    """A user holding a position for a period, definitively or as Plt/Plh/Pj."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="assignments")
    kind = models.CharField(
        _("kind"), max_length=12, choices=AssignmentKind.choices, default=AssignmentKind.DEFINITIVE
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True)
    decree = models.CharField(_("decree (SK) number"), max_length=120, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-start_date"]
        indexes = [models.Index(fields=["user", "start_date", "end_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="assignment_end_after_start",
            ),
            # Overlapping definitive periods are refused by an exclusion constraint on
            # PostgreSQL and a trigger on SQLite (see migration 0002); this one keeps the
            # common case, two open-ended holders, out on every backend.
            models.UniqueConstraint(
                fields=["position"],
                condition=Q(kind=AssignmentKind.DEFINITIVE, end_date__isnull=True),
                name="assignment_one_open_definitive",
                violation_error_message=_("This position already has a definitive holder."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.position} ({self.get_kind_display()})"

    @property
    def is_acting(self) -> bool:
        return self.kind != AssignmentKind.DEFINITIVE


class UnitRole(models.Model):
    """A role a user plays for a unit (or tenant-wide when `unit` is empty)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("role"), max_length=20, choices=RoleKind.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="roles", null=True, blank=True
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "unit"], name="unitrole_unique"),
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=Q(unit__isnull=True),
                name="unitrole_unique_tenant_wide",
            ),
        ]
        indexes = [models.Index(fields=["unit", "kind"])]

    def __str__(self) -> str:
        where = self.unit.label if self.unit_id else _("whole tenant")
        return f"{self.user} — {self.get_kind_display()} ({where})"
