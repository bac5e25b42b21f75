"""`manage.py restore --input FILE --yes`: a backup into an empty database and empty file
folders, checked against its manifest (core/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup into an empty database (and empty MEDIA_ROOT, PRIVATE_MEDIA_ROOT)."

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, type=Path, help="the archive to read")
        parser.add_argument(
            "--yes", action="store_true", help="confirm: write into DATABASE_URL's database"
        )

    def handle(self, *args, input: Path, yes: bool, **options):
        if not yes:
            raise CommandError("restore writes into DATABASE_URL's database: add --yes to go ahead")
        if not input.is_file():
            raise CommandError(f"{input} does not exist")
        try:
            summary = restore(input)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Restored {summary.tables} tables ({summary.rows} rows) and {summary.files} files "
            f"from {input}"
        )
