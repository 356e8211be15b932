from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from cohorts.models import Cohort
from dashboard.models import ReportNarrative, ShowcaseConsent, ShowcaseEntry
from incubator.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_a_consented_showcase_and_a_report_once(client):
    call_command("seed_demo", stdout=StringIO())
    counts = (ShowcaseEntry.objects.count(), ShowcaseConsent.objects.count(), ReportNarrative.objects.count())

    call_command("seed_demo", stdout=StringIO())

    assert counts == (ShowcaseEntry.objects.count(), ShowcaseConsent.objects.count(), ReportNarrative.objects.count())
    assert counts[0] >= 1
    assert counts[2] == 5
    cohort = Cohort.objects.get(slug="ifc-2025")
    showcase = client.get(reverse("dashboard:showcase", args=[cohort.slug])).content.decode()
    assert ShowcaseEntry.objects.filter(cohort=cohort).first().organisation.name in showcase
    client.force_login(User.objects.get(email="programstaff@incubator.local"))
    board = client.get(reverse("dashboard:cohort", args=[cohort.pk]))
    assert board.status_code == 200
    assert board.context["board"].outcomes  # before and after from the outcomes demo
    report = client.get(reverse("dashboard:report", args=[cohort.pk])).content.decode()
    assert "ทีมวิจัยถอดบทเรียนจากทุกพื้นที่" in report
