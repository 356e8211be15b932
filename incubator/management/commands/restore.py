"""`manage.py restore <file>`: put back what `manage.py backup` saved (incubator.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from incubator.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore the database and the private files from a backup (key: BACKUP_ENCRYPTION_KEY). "
        "Replaces the database's tables and the private files folder."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--yes", action="store_true", help="Do not ask before replacing the data.")

    def handle(self, *args, archive, **options):
        if not options["yes"]:
            answer = input("This replaces the database and the private files. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing restored.")
        try:
            manifest = backup_restore(archive=Path(archive))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored the database and {len(manifest['files'])} files from {archive}")
