"""Retention of applications not accepted: staff are told once, a week ahead; the purge comes
on time, once, never before the week of notice, and touches only applications not accepted
(the rows stay counted with their status)."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cohorts.enums import ApplicationStatus, CohortStatus, QuestionKind
from cohorts.models import Answer, Application
from cohorts.services.applications import application_save_draft
from cohorts.services.retention import retention_plan
from cohorts.tests.factories import (
    ApplicationFactory,
    CohortFactory,
    ParticipantFactory,
    ProgramFactory,
    QuestionFactory,
    TrackFactory,
)
from incubator import pdpa
from incubator.models import OutboundEmail
from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEMPLATE = "cohorts/retention_notice"


@pytest.fixture
def program_world():
    """A program (12 months) whose call closed; a rejected application decided 12 months less
    10 days before "now", with a file; one accepted and one still under review; the program's
    two staff members."""
    program = ProgramFactory()
    staff = [UserFactory(full_name="ศิริพร ผู้ประสานงาน"), UserFactory(full_name="วิไล ผู้ประสานงาน")]
    program.staff.add(*staff)
    cohort = CohortFactory(program=program)
    track = TrackFactory(cohort=cohort)
    question = QuestionFactory(cohort=cohort, kind=QuestionKind.FILE, text="แผนงาน")
    apps = {}
    for key in ("rejected", "accepted", "review"):
        application = ApplicationFactory(cohort=cohort, track=track, motivation=f"แรงจูงใจ {key}")
        application_save_draft(
            application=application,
            by=application.applicant,
            answers={question.pk: SimpleUploadedFile(f"{key}.pdf", b"%PDF-1.4 x", "application/pdf")},
        )
        apps[key] = application
    now = timezone.now()
    decided = now - timedelta(days=365 - 10)
    Application.objects.filter(pk=apps["rejected"].pk).update(status=ApplicationStatus.REJECTED, decided_at=decided)
    Application.objects.filter(pk=apps["accepted"].pk).update(status=ApplicationStatus.ACCEPTED, decided_at=decided)
    Application.objects.filter(pk=apps["review"].pk).update(status=ApplicationStatus.UNDER_REVIEW)
    ParticipantFactory(cohort=cohort, user=apps["accepted"].applicant, application=apps["accepted"])
    type(cohort).objects.filter(pk=cohort.pk).update(
        status=CohortStatus.RUNNING,
        applications_open_at=now - timedelta(days=430),
        applications_close_at=now - timedelta(days=400),
    )
    files = {key: Answer.objects.get(application=app).file.name for key, app in apps.items()}
    return {"program": program, "staff": staff, "apps": apps, "files": files, "now": now}


def _state(application):
    application.refresh_from_db()
    return application.retention_noticed_at is not None, application.purged_at is not None


def test_staff_are_told_once_a_week_ahead_then_the_purge_comes_once(program_world, django_capture_on_commit_callbacks):
    now, rejected = program_world["now"], program_world["apps"]["rejected"]
    storage = pdpa.private_storage()

    # 12 days before it is due: nothing yet.
    assert retention_plan(now=now - timedelta(days=2)) == {"purged": 0, "noticed": 0}
    # Within the week before (due in 10 - 4 = 6 days): told, once per staff member.
    assert retention_plan(now=now + timedelta(days=4)) == {"purged": 0, "noticed": 1}
    assert retention_plan(now=now + timedelta(days=4, hours=1)) == {"purged": 0, "noticed": 0}
    notices = OutboundEmail.objects.filter(template=TEMPLATE)
    assert sorted(notices.values_list("recipient_user", flat=True)) == sorted(u.pk for u in program_world["staff"])
    assert _state(rejected) == (True, False)
    # Due, but told only 6 days ago: not yet.
    assert retention_plan(now=now + timedelta(days=10, hours=1)) == {"purged": 0, "noticed": 0}
    assert _state(rejected) == (True, False)
    # A week after the notice: purged, once.
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_plan(now=now + timedelta(days=11, hours=1)) == {"purged": 1, "noticed": 0}
    assert retention_plan(now=now + timedelta(days=30)) == {"purged": 0, "noticed": 0}
    assert OutboundEmail.objects.filter(template=TEMPLATE).count() == 2

    rejected.refresh_from_db()
    assert (rejected.status, rejected.motivation, rejected.purged_at is not None) == (
        ApplicationStatus.REJECTED,
        "",
        True,
    )
    assert Answer.objects.get(application=rejected).value is None
    assert not storage.exists(program_world["files"]["rejected"])
    for key in ("accepted", "review"):
        assert _state(program_world["apps"][key]) == (False, False)
        assert storage.exists(program_world["files"][key])
        assert program_world["apps"][key].motivation == f"แรงจูงใจ {key}"
    assert Application.objects.filter(cohort=rejected.cohort).count() == 3


def test_a_late_beat_still_gives_a_full_week_of_notice(program_world):
    now, rejected = program_world["now"], program_world["apps"]["rejected"]

    # Beat was down until well after the due date: told now, purged a week later.
    assert retention_plan(now=now + timedelta(days=40)) == {"purged": 0, "noticed": 1}
    assert retention_plan(now=now + timedelta(days=46)) == {"purged": 0, "noticed": 0}
    assert retention_plan(now=now + timedelta(days=47, minutes=1)) == {"purged": 1, "noticed": 0}
    assert _state(rejected) == (True, True)


def test_program_retention_setting_moves_the_purge(program_world):
    program = program_world["program"]
    program.retention_months = 24
    program.save(update_fields=["retention_months"])

    assert retention_plan(now=program_world["now"] + timedelta(days=40)) == {"purged": 0, "noticed": 0}


def test_notice_is_in_the_staffs_language_with_a_buddhist_era_date(program_world):
    with time_machine.travel(program_world["now"] + timedelta(days=4)):
        retention_plan()
    email = OutboundEmail.objects.filter(template=TEMPLATE).first()
    year = (timezone.localdate() + timedelta(days=7)).year
    assert str(year + 543) in email.body_text
    assert program_world["program"].name in email.subject


def test_notice_in_thai_shows_no_english(program_world):
    from incubator.tests.thai import english_in_text

    retention_plan(now=program_world["now"] + timedelta(days=4))

    email = OutboundEmail.objects.filter(template=TEMPLATE).first()
    assert english_in_text(email.subject + "\n" + email.body_text) == []
