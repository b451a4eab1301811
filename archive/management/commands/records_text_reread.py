"""Read again the text of record files filed before they had a reader: scans (by OCR), DOCX,
XLSX, OpenDocument (see `archive.services.text.files_text_requeue`). Safe to run again."""

from django.core.management.base import BaseCommand

from archive.services.text import files_text_requeue


class Command(BaseCommand):
    help = (
        "Queue again the record files whose text was skipped (scans, office documents filed "
        "before they were read); with --failed, also those whose reading failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--failed", action="store_true", help="also files whose reading failed")

    def handle(self, *args, failed=False, **options):
        self.stdout.write(f"files queued: {files_text_requeue(failed=failed)}")
