"""`manage.py backup --output FILE`: an online, consistent copy of the database and the
uploaded files in one archive (core/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into one archive, while the site runs."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path, help="the archive to write")

    def handle(self, *args, output: Path, **options):
        output = output.resolve()
        if not output.parent.is_dir():
            raise CommandError(f"{output.parent} does not exist")
        try:
            summary = backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Backed up {summary.tables} tables ({summary.rows} rows) and {summary.files} files "
            f"to {output}"
        )
