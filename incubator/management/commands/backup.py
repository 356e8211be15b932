"""`manage.py backup <file>`: the database and the private files, encrypted (incubator.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from incubator.backup import BackupError, backup_create, new_key


class Command(BaseCommand):
    help = "Back up the database and the private files into one encrypted file (key: BACKUP_ENCRYPTION_KEY)."

    def add_arguments(self, parser):
        parser.add_argument("output", nargs="?", help="The file to write, e.g. backups/incubator-2026-12-07.bak")
        parser.add_argument("--new-key", action="store_true", help="Print a new encryption key and stop.")

    def handle(self, *args, output=None, **options):
        if options["new_key"]:
            self.stdout.write(new_key())
            return
        if not output:
            raise CommandError("Name the file to write.")
        try:
            manifest = backup_create(output=Path(output))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backed up the database ({manifest['engine']}) and {len(manifest['files'])} files to {output}"
        )
