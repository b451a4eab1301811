from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CorrespondenceConfig(AppConfig):
    name = "correspondence"
    verbose_name = _("Correspondence")
    periodic = {"dispositions-due": ("correspondence.tasks.dispositions_due_notify", 900)}

    def ready(self) -> None:
        from archive.registry import source_access_register
        from notifications.registry import digest_section_register, watchable_register
        from organizations.tenantfile import register_section
        from scheduling.registry import minutes_lookup_register

        from .models import Letter
        from .realtime import digest_lines, letter_watch_group
        from .selectors import letter_as_minutes
        from .tenantfile import SECTIONS

        watchable_register("letter", letter_watch_group)
        source_access_register(
            "correspondence.letter", lambda user: Letter.objects.visible_to(user).values("pk")
        )
        minutes_lookup_register(letter_as_minutes)
        digest_section_register(digest_lines)
        for section in SECTIONS:
            register_section(section)
