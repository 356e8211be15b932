"""Build a believable demo dataset. Idempotent: a second run changes nothing."""

from django.core.management.base import BaseCommand
from django.db import transaction

from incubator import demo


class Command(BaseCommand):
    help = "Create demo programs, cohorts, organisations and users for each role (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            summary = demo.seed()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        for line in summary:
            self.stdout.write(f"  {line}")
