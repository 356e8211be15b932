"""The workshops part of `seed_demo`: series in the past, present and future, with attendance
and feedback; the demo pages render; a second run changes nothing."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from incubator.models import OutboundEmail, User
from workshops.models import Attendance, Feedback, Registration, Session, WorkshopSeries

pytestmark = pytest.mark.django_db


def _counts():
    return [m.objects.count() for m in (WorkshopSeries, Session, Registration, Attendance, Feedback)]


def test_seed_demo_makes_past_present_and_future_series_once(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=StringIO())
    first = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first
    assert first[0] == 3
    assert Attendance.objects.exists()
    assert Feedback.objects.exists()
    assert not OutboundEmail.objects.filter(key__startswith="session-").exists()
    starts = sorted(WorkshopSeries.objects.values_list("starts_on", flat=True))
    today = timezone.localdate()
    assert starts[0] < today - timedelta(days=300) < starts[1] < today < starts[2]

    client.force_login(User.objects.get(email="leader@incubator.local"))
    response = client.get(reverse("workshops:my_cohort"))
    assert response.content.decode().count('data-testid="workshop"') == 4
    client.force_login(User.objects.get(email="programstaff@incubator.local"))
    running = WorkshopSeries.objects.get(cohort__slug="ifc-2026")
    assert client.get(reverse("workshops:series_detail", args=[running.pk])).status_code == 200
    assert client.get(reverse("admin:workshops_attendance_changelist")).status_code == 200
