from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = _("Archive")
    periodic = {"archive-retention-sweep": ("archive.tasks.retention_sweep", 24 * 60 * 60)}

    def ready(self) -> None:
        # Imported here, not at the top: this module is loaded before the app registry is
        # ready, and these modules import models.
        from organizations.tenantfile import register_section

        from .tenantfile import SECTIONS

        for section in SECTIONS:
            register_section(section)

        from notifications.registry import confidential_register_field
        from workflows.choices import SecurityLevel

        from .models import Loan
        from .registry import source_access_register

        # A loan of a confidential record is told to phones without the record's title.
        confidential_register_field(Loan, "record__security", SecurityLevel.confidential())

        # A berita acara pemusnahan is filed with its proposal as source: the proposal's
        # approvers may open it (the archivists of the records unit see every record anyway).
        source_access_register("archive.disposalproposal", _proposals_approved_by)


def _proposals_approved_by(user):
    # Imported when called: apps.py is loaded before the models are (see `ready`).
    from organizations.selectors import positions_held

    from .models import DisposalApproval

    return DisposalApproval.objects.filter(
        position__in=positions_held(user).values("pk"), proposal__tenant_id=user.tenant_id
    ).values("proposal_id")
