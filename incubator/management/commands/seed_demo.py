"""Build a believable demo dataset. Idempotent: a second run changes nothing.

The logins are printed and also written to var/demo-logins.txt, which `make run` prints
again once the servers are up (after their start-up output has scrolled past)."""

from django.conf import settings
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
        logins = settings.VAR_DIR / "demo-logins.txt"
        logins.parent.mkdir(parents=True, exist_ok=True)
        logins.write_text("".join(f"  {line}\n" for line in summary), encoding="utf-8")
        self.stdout.write(f"Demo logins written to {logins}")
