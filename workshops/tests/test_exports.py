"""Workshop exports (issue 12, items 11 and 16): the feedback CSV of the staff page goes through
the one export path (formulas escaped, BOM, dated file name); the admin's exports write
answers and attendance in words, not codes."""

import csv
import io

import pytest
from django.urls import reverse

from workshops.enums import AttendanceStatus, Rsvp
from workshops.models import Attendance, Feedback, Registration
from workshops.tests.factories import world

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)"]


@pytest.fixture
def w():
    data = world(participants=2)
    data["workshop"] = data["series"].workshops.get(order=1)
    return data


def _rows(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def test_feedback_csv_escapes_formulas(client, w):
    first, second = w["participants"]
    Feedback.objects.create(
        workshop=w["workshop"], participant=first, learned=FORMULAS[0], will_try=FORMULAS[1], rating=4
    )
    Feedback.objects.create(
        workshop=w["workshop"], participant=second, learned=FORMULAS[2], will_try=FORMULAS[3], rating=5
    )
    client.force_login(w["staff"])

    response = client.get(reverse("workshops:feedback_results", args=[w["workshop"].pk]) + "?format=csv")

    assert response["Content-Disposition"].startswith(f'attachment; filename="feedback-workshop-{w["workshop"].pk}-')
    cells = {cell for row in _rows(response)[1:] for cell in row}
    assert {f"'{formula}" for formula in FORMULAS} <= cells
    assert not cells & set(FORMULAS)


def _admin_export(client, model):
    url = reverse(f"admin:workshops_{model}_export")
    form = client.get(url).context["form"]
    data = {"format": "0"}
    for name, field in form.fields.items():
        if name.endswith("resource"):
            data[name] = field.initial or 0
        elif getattr(field, "initial", None) is True:
            data[name] = "on"
    return _rows(client.post(url, data))


def test_registration_and_attendance_exports_are_in_words(client, w):
    person = w["participants"][0]
    Registration.objects.filter(participant=person).update(rsvp=Rsvp.NO)
    session = w["workshop"].sessions.order_by("starts_at").first()
    Attendance.objects.create(session=session, participant=person, status=AttendanceStatus.EXCUSED)
    client.force_login(w["staff"])

    registrations = _admin_export(client, "registration")
    attendance = _admin_export(client, "attendance")

    registration_cells = {cell for row in registrations[1:] for cell in row}
    attendance_cells = {cell for row in attendance[1:] for cell in row}
    assert "ไม่สามารถเข้าร่วม" in registration_cells
    assert "no" not in registration_cells
    assert "ลา" in attendance_cells
    assert "excused" not in attendance_cells
