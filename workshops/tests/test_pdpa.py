"""The workshops part of a person's PDPA download: their registrations, attendance and
feedback, and nobody else's of the same cohort."""

import pytest

from workshops.enums import AttendanceStatus
from workshops.models import Attendance, Feedback, Registration
from workshops.pdpa import personal_data
from workshops.tests.factories import world

pytestmark = pytest.mark.django_db


def _rows(data, key):
    return next(s for s in data.sections if s.key == key).rows


def test_participant_gets_their_registrations_attendance_and_feedback_only():
    w = world(participants=2)
    me, other = w["participants"]
    workshop = w["series"].workshops.order_by("order").first()
    session = workshop.sessions.first()
    for participant, text in ((me, "ได้เรียนรู้กลยุทธ์"), (other, "ของคนอื่น")):
        Attendance.objects.create(session=session, participant=participant, status=AttendanceStatus.PRESENT)
        Feedback.objects.create(workshop=workshop, participant=participant, learned=text, will_try=text, rating=4)

    data = personal_data(me.user)

    assert {row["participant_id"] for row in _rows(data, "workshop_registrations")} == {me.pk}
    assert len(_rows(data, "workshop_registrations")) == Registration.objects.filter(participant=me).count()
    assert [row["participant_id"] for row in _rows(data, "attendance")] == [me.pk]
    assert [row["learned"] for row in _rows(data, "workshop_feedback")] == ["ได้เรียนรู้กลยุทธ์"]
