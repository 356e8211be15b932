"""Admin: every workshops changelist scoped to the staff member's programs, exports of
attendance, registrations and feedback, and query counts flat in rows."""

import pytest
from django.urls import reverse
from django.utils import translation

from cohorts.tests.factories import ParticipantFactory
from workshops.enums import AttendanceStatus, Rsvp
from workshops.models import Attendance, Feedback, Registration, Session
from workshops.services.series import series_create_from_template
from workshops.tests.factories import START, world

pytestmark = pytest.mark.django_db

MODELS = ["workshopseries", "workshop", "session", "registration", "attendance", "feedback", "announcement"]


@pytest.fixture
def w():
    data = world(participants=1)
    session = Session.objects.filter(workshop__series=data["series"]).first()
    Attendance.objects.create(session=session, participant=data["participants"][0], status=AttendanceStatus.LATE)
    Feedback.objects.create(
        workshop=session.workshop, participant=data["participants"][0], learned="ก", will_try="ข", rating=4
    )
    # The other program's cohort has a series too, with a person whose name must not leak.
    other = data["other_participant"]
    other.user.full_name = "บุคคลโครงการอื่น"
    other.user.save()
    other_series = series_create_from_template(cohort=other.cohort, starts_on=START)
    Attendance.objects.create(
        session=Session.objects.filter(workshop__series=other_series).first(),
        participant=other,
        status=AttendanceStatus.PRESENT,
    )
    return data


def _grow(w, extra):
    for _n in range(extra):
        participant = ParticipantFactory(cohort=w["cohort"])
        for workshop in w["series"].workshops.all():
            Registration.objects.get_or_create(workshop=workshop, participant=participant, defaults={"rsvp": Rsvp.YES})
            Feedback.objects.create(workshop=workshop, participant=participant, learned="ก", will_try="ข", rating=2)
            for session in workshop.sessions.all():
                Attendance.objects.create(session=session, participant=participant, status=AttendanceStatus.PRESENT)


@pytest.mark.parametrize("model", MODELS)
def test_changelists_show_only_the_staff_members_programs(client, w, model):
    url = reverse(f"admin:workshops_{model}_changelist")
    client.force_login(w["staff"])
    response = client.get(url)
    assert response.status_code == 200
    assert "บุคคลโครงการอื่น" not in response.content.decode()
    client.force_login(w["participants"][0].user)
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("extra", [0, 5])
@pytest.mark.parametrize(
    ("model", "queries"),
    [
        ("workshopseries", 8),
        ("workshop", 8),
        ("session", 10),
        ("registration", 8),
        ("attendance", 8),
        ("feedback", 9),
    ],
)
def test_changelist_query_counts_are_flat(client, w, django_assert_num_queries, extra, model, queries):
    _grow(w, extra)
    client.force_login(w["staff"])
    with django_assert_num_queries(queries):
        assert client.get(reverse(f"admin:workshops_{model}_changelist")).status_code == 200


@pytest.mark.parametrize("model", ["attendance", "registration", "feedback"])
def test_exports_hold_only_the_staff_members_programs(client, w, model):
    client.force_login(w["staff"])
    url = reverse(f"admin:workshops_{model}_export")
    response = client.post(url, {"format": "0", "export_items": []})
    if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        form = response.context["form"]
        data = {"format": "0"}
        for name, field in form.fields.items():
            if name.endswith("resource"):
                data[name] = field.initial or 0
            elif hasattr(field, "initial") and field.initial is True:
                data[name] = "on"
        response = client.post(url, data)
    body = response.content.decode("utf-8-sig")
    assert response.status_code == 200
    assert "บุคคลโครงการอื่น" not in body
    assert w["participants"][0].user.email in body


def test_registration_list_and_export_show_sessions_attended_per_person_and_workshop(client, w):
    client.force_login(w["staff"])
    response = client.get(reverse("admin:workshops_registration_changelist"))
    assert "1/4" in response.content.decode()
    registration = Registration.objects.filter(participant=w["participants"][0], workshop__order=1)
    from workshops.admin import RegistrationResource

    with translation.override("en"):
        dataset = RegistrationResource().export(queryset=registration)
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert (row["Sessions attended"], row["Sessions"]) == ("1", "4")


@pytest.mark.parametrize(("who", "seen"), [("staff", True), ("other_staff", False)])
def test_outbox_shows_program_staff_their_workshop_emails_only(client, w, who, seen):
    from incubator.mail import queue_mail

    session = Session.objects.filter(workshop__series=w["series"]).first()
    queue_mail(key="t:session", to="session-mail@example.org", subject="นัด", body_text="…", related=session)
    queue_mail(key="t:workshop", to="workshop-mail@example.org", subject="นัด", body_text="…", related=session.workshop)
    client.force_login(w[who])

    response = client.get(reverse("admin:incubator_outboundemail_changelist"))

    body = response.content.decode()
    assert response.status_code == 200
    assert ["session-mail@" in body, "workshop-mail@" in body] == [seen, seen]
