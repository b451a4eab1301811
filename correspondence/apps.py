import logging

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class CorrespondenceConfig(AppConfig):
    name = "correspondence"
    verbose_name = _("Correspondence")
    periodic = {
        "dispositions-due": ("correspondence.tasks.dispositions_due_notify", 900),
        "inbox-versions-fold": ("correspondence.tasks.inbox_versions_fold", 60 * 60),
        "signatures-renew": ("correspondence.tasks.signatures_renew", 24 * 60 * 60),
        "previews-sweep": ("correspondence.tasks.previews_sweep", 24 * 60 * 60),
        "outage-blocks": ("correspondence.tasks.outage_blocks_top_up", 60 * 60),
    }

    def ready(self) -> None:
        # Imported here: models and what reads them load only once the app registry is ready.
        from accounts.permissions import second_factor_rule_register
        from archive.registry import act_signer_register, source_access_register
        from notifications.registry import digest_section_register, watchable_register
        from organizations.access import access_signal_handler
        from organizations.tenantfile import register_section
        from scheduling.registry import minutes_lookup_register

        from . import realtime
        from .models import Delegation, Delivery, Letter, LetterType, SigningMandate
        from .permissions import holds_signing_post
        from .realtime import digest_lines, letter_watch_group, letter_watch_stamp
        from .selectors import letter_as_minutes
        from .signing.acts import ArchiveActSigner
        from .tenantfile import SECTIONS

        watchable_register("letter", letter_watch_group, letter_watch_stamp)
        # Records are kept per side: the sender's (its source is the letter) is open to the
        # letter's sending side, each receiving unit's (its delivery) to that delivery's readers.
        source_access_register(
            "correspondence.letter",
            lambda user: Letter.objects.sender_side_visible_to(user).values("pk"),
        )
        source_access_register(
            "correspondence.delivery",
            lambda user: Delivery.objects.visible_to(user).values("pk"),
        )
        # The archive's berita acara are signed with the same keys, second factor and lockout.
        act_signer_register(ArchiveActSigner())
        minutes_lookup_register(letter_as_minutes)
        digest_section_register(digest_lines)
        realtime.confidential_register_all()
        for section in SECTIONS:
            register_section(section)
        # A delegation changes whose inbox a user handles (kept across requests).
        post_save.connect(
            access_signal_handler, sender=Delegation, dispatch_uid="access-delegation"
        )
        post_delete.connect(
            access_signal_handler, sender=Delegation, dispatch_uid="access-delegation-del"
        )
        # Whoever holds a post the signing rule accepts must use a second factor; a letter
        # type's rule decides which posts those are.
        second_factor_rule_register(holds_signing_post)
        post_save.connect(
            access_signal_handler, sender=LetterType, dispatch_uid="access-lettertype"
        )
        post_delete.connect(
            access_signal_handler, sender=LetterType, dispatch_uid="access-lettertype-del"
        )
        # So does a signing mandate: its holder signs a.n. the grantor.
        post_save.connect(
            access_signal_handler, sender=SigningMandate, dispatch_uid="access-mandate"
        )
        post_delete.connect(
            access_signal_handler, sender=SigningMandate, dispatch_uid="access-mandate-del"
        )
        # Records filed before records were kept per side are split once every migration ran.
        post_migrate.connect(_split_pending_records, sender=self, dispatch_uid="records-split")


def _split_pending_records(sender, **kwargs) -> None:
    # Imported here: archiving reads models, which this module (loaded before the app
    # registry is ready) may not import.
    from .archiving import records_split_pending

    counts = records_split_pending()
    if counts:
        logging.getLogger(__name__).warning("archive records split per side: %s", counts)
