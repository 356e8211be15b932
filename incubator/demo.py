"""Demo data for `manage.py seed_demo`, in Thai, drawn from the programs' own descriptions.

Every object is fetched or created by a natural key (slug, email, name), so running the
command twice changes nothing. Apps add their own parts in `seed_<app>()` functions below.
"""

from datetime import datetime, time, timedelta
from importlib import import_module

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from incubator.dates import BANGKOK

DEMO_PASSWORD = "demo-incubator-2026"  # noqa: S105 - printed on purpose for local demos

USERS = [
    # email, full name, role label, is_staff, is_superuser
    ("staff@incubator.local", "ศิริพร ผู้ประสานงาน", "staff (superuser)", True, True),
    ("programstaff@incubator.local", "กิตติ ทีมโครงการ", "program staff", True, False),
    ("reviewer@incubator.local", "อรุณี กรรมการพิจารณา", "reviewer", False, False),
    ("reviewer2@incubator.local", "ประเสริฐ กรรมการพิจารณา", "reviewer", False, False),
    ("applicant@incubator.local", "สมชาย ใจดี", "applicant", False, False),
    ("coach@incubator.local", "ณัฐวุฒิ โคชพื้นที่", "coach / intrapreneur", False, False),
    ("leader@incubator.local", "มาลี ผู้นำองค์กร", "organisation leader", False, False),
    ("researcher@incubator.local", "ดร.วิภา นักวิจัย", "researcher", False, False),
]


def at_bangkok(day, hour: int = 23, minute: int = 59) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BANGKOK)


def seed_users() -> dict[str, object]:
    User = get_user_model()
    users = {}
    for email, name, _role, is_staff, is_superuser in USERS:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={"full_name": name, "is_staff": is_staff, "is_superuser": is_superuser},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        users[email] = user
    return users


def seed() -> list[str]:
    """Seed the core, then every local app that has a `demo.seed(users=..., today=...)`."""
    users = seed_users()
    summary = [f"{role:<22} {email}  password: {DEMO_PASSWORD}" for email, _n, role, _s, _su in USERS]
    today = timezone.localdate()
    for config in apps.get_app_configs():
        if config.name == "incubator" or not config.path.startswith(str(settings.BASE_DIR)):
            continue
        try:
            module = import_module(f"{config.name}.demo")
        except ModuleNotFoundError:
            continue
        summary += module.seed(users=users, today=today)
    return summary


def days_from(today, days: int):
    return today + timedelta(days=days)
