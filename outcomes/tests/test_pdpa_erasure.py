"""Erasure (PDPA): a person asks to delete their account (with their password); a superuser
anonymises them from the admin. Afterwards no table holds their name, email or phone (every
row of every table cast to text and searched), their files are gone from the private
storage, they cannot log in and their session has ended, while the cohort's counts stay."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from coaching.models import VisitPhoto
from coaching.tests.factories import CoachProfileFactory, MatchFactory, VisitFactory, jpeg_bytes
from cohorts.enums import ApplicationStatus, CohortStatus, ParticipantRole, QuestionKind
from cohorts.models import Answer, Application, Participant
from cohorts.services.applications import application_save_draft
from cohorts.tests.factories import (
    ApplicationFactory,
    CohortFactory,
    OrganisationFactory,
    ParticipantFactory,
    QuestionFactory,
    TrackFactory,
)
from incubator import pdpa
from incubator.audit import access_log_record
from incubator.enums import AccessAction, ChannelChoice, EmailState, MessageKind
from incubator.mail import queue_mail
from incubator.models import ErasureRequest, LineContact, MessageChannel, OutboundEmail, User
from incubator.tests.factories import PASSWORD, SuperuserFactory, UserFactory
from outcomes.enums import WorksheetMoment
from outcomes.models import Worksheet
from workshops.enums import AttendanceStatus
from workshops.models import Attendance, Feedback, Registration
from workshops.services.series import series_create_from_template

NAME, EMAIL, PHONE = "สมหญิง ใจดีมาก", "somying.erase@example.org", "0812345678"
OTHER_NAME = "สมชาย รักถิ่นเกิด"


def _person_everywhere(person, bystander):
    """The person (and a bystander of the same cohort) in every app: application with a file,
    organisation contact, participation, workshop registration, attendance and feedback, a
    coach profile and a visit with a photo, a worksheet, messages, LINE, the access log and
    the admin's own log."""
    cohort = CohortFactory()  # open for the applications; running once they are accepted
    track = TrackFactory(cohort=cohort)
    question = QuestionFactory(cohort=cohort, kind=QuestionKind.FILE, text="แผนงาน")
    series = series_create_from_template(cohort=cohort, starts_on=timezone.localdate() + timedelta(days=30))
    workshop = series.workshops.order_by("order").first()
    session = workshop.sessions.first()
    files = {}
    for user in (person, bystander):
        name = user.full_name
        organisation = OrganisationFactory(contact_name=name, contact_email=user.email, contact_phone=user.phone)
        application = ApplicationFactory(
            cohort=cohort,
            track=track,
            applicant=user,
            organisation=organisation,
            motivation=f"ดิฉัน {name} โทร {user.phone}",
            employer=f"บริษัทของ {name}",
        )
        application_save_draft(
            application=application,
            by=user,
            answers={question.pk: SimpleUploadedFile(f"{name}.pdf", b"%PDF-1.4 plan", "application/pdf")},
        )
        Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.ACCEPTED)
        files[user.pk] = [Answer.objects.get(application=application).file.name]
        participant = ParticipantFactory(
            cohort=cohort,
            user=user,
            organisation=organisation,
            application=application,
            role=ParticipantRole.ORGANISATION_LEADER,
        )
        Registration.objects.update_or_create(
            workshop=workshop, participant=participant, defaults={"travel_notes": f"{name} {user.phone}"}
        )
        Attendance.objects.create(session=session, participant=participant, status=AttendanceStatus.PRESENT)
        Feedback.objects.create(workshop=workshop, participant=participant, learned=name, will_try=name, rating=5)
        Worksheet.objects.create(
            cohort=cohort, organisation=organisation, moment=WorksheetMoment.choices[0][0], note=name, entered_by=user
        )
        coach = CoachProfileFactory(user=user, bio=f"ประวัติของ {name}", employer=name)
        visit = VisitFactory(match=MatchFactory(cohort=cohort, coach=coach), observations=f"{name} ไปเยี่ยม")
        photo = VisitPhoto(visit=visit, caption="ภาพ")
        photo.image.save("x.jpg", ContentFile(jpeg_bytes(size=(10, 10))), save=True)
        files[user.pk].append(photo.image.name)
        queue_mail(key=f"hello:{user.pk}", to=user.email, user=user, subject=f"เรียน {name}", body_text=name)
        access_log_record(user=user, action=AccessAction.DOWNLOAD, target=application)
        LineContact.objects.create(line_user_id=f"U{user.pk:032d}", user=user, is_friend=True)
        MessageChannel.objects.create(user=user, kind=MessageKind.WORKSHOP, channel=ChannelChoice.BOTH)
        LogEntry.objects.log_actions(
            user_id=SuperuserFactory().pk,
            queryset=[application],
            action_flag=CHANGE,
            change_message=f"{name} {user.phone}",
        )
    type(cohort).objects.filter(pk=cohort.pk).update(status=CohortStatus.RUNNING)
    return cohort, files


def _rows_mentioning(text: str) -> dict[str, int]:
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(
                f"SELECT count(*) FROM {connection.ops.quote_name(table)} AS r WHERE r::text ILIKE %s",  # noqa: S608
                [f"%{text}%"],
            )
            count = cursor.fetchone()[0]
            if count:
                found[table] = count
    return found


def _counts(cohort):
    return (
        Application.objects.filter(cohort=cohort).count(),
        sorted(Application.objects.filter(cohort=cohort).values_list("status", flat=True)),
        Participant.objects.filter(cohort=cohort).count(),
        sorted(Attendance.objects.filter(session__workshop__series__cohort=cohort).values_list("status", flat=True)),
        Feedback.objects.filter(workshop__series__cohort=cohort).count(),
    )


@pytest.mark.postgres
@pytest.mark.django_db
def test_anonymised_person_leaves_no_trace_and_counts_stay(client, django_capture_on_commit_callbacks):
    person = UserFactory(email=EMAIL, full_name=NAME, phone=PHONE)
    bystander = UserFactory(full_name=OTHER_NAME, phone="0898765432")
    cohort, files = _person_everywhere(person, bystander)
    client.force_login(person)
    assert client.post(reverse("erasure"), {"password": PASSWORD, "confirm": "on"}).status_code == 302
    before = _counts(cohort)
    assert _rows_mentioning(NAME)
    assert _rows_mentioning(EMAIL)
    assert _rows_mentioning(PHONE)

    admin = SuperuserFactory()
    admin_client = client.__class__()
    admin_client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:incubator_erasurerequest_changelist"),
            {"action": "anonymise", "_selected_action": [ErasureRequest.objects.get().pk]},
        )

    assert response.status_code == 302
    assert (_rows_mentioning(NAME), _rows_mentioning(EMAIL), _rows_mentioning(PHONE)) == ({}, {}, {})
    assert _rows_mentioning(OTHER_NAME)  # the search finds what is there: the bystander stays
    assert set(OutboundEmail.objects.filter(key=f"hello:{person.pk}").values_list("state", flat=True)) == {
        EmailState.FAILED  # queued to them before: never sent to the erased address
    }
    assert _counts(cohort) == before
    storage = pdpa.private_storage()
    assert [name for name in files[person.pk] if storage.exists(name)] == []
    assert all(storage.exists(name) for name in files[bystander.pk])
    erasure = ErasureRequest.objects.get()
    assert (erasure.done_by, erasure.done_at is not None) == (admin, True)
    assert client.get(reverse("my_data")).status_code == 302  # their session has ended
    assert not client.login(email=EMAIL, password=PASSWORD)
    person.refresh_from_db()
    assert not client.login(email=person.email, password=PASSWORD)


@pytest.mark.django_db
def test_anonymising_twice_changes_nothing_more():
    person = UserFactory(full_name=NAME, phone=PHONE)
    pdpa.erasure_request(user=person)

    first = pdpa.person_anonymise(user=person).email
    again = pdpa.person_anonymise(user=person).email

    assert first == again
    assert first.endswith("@erased.invalid")
    assert User.objects.get(pk=person.pk).is_active is False


@pytest.mark.django_db
def test_data_summary_lists_what_is_kept_and_why():
    person = UserFactory()
    cohort = CohortFactory()
    ParticipantFactory(cohort=cohort, user=person)

    kept = pdpa.personal_data_kept(person)

    assert len(kept) == 1
    assert cohort.name in kept[0]
