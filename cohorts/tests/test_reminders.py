"""Deadline reminders: each person, each offset, exactly once, whatever beat did."""

import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail as django_mail
from django.db import connection, connections
from django.db.models import F

from cohorts.enums import ApplicationStatus, CohortStatus
from cohorts.models import Application, DeadlineReminder
from cohorts.services.reminders import insert_from_select, reminders_plan
from cohorts.tasks import plan_deadline_reminders
from cohorts.tests.factories import ApplicationFactory, CohortFactory, ProgramFactory
from incubator.celery import app as celery_app
from incubator.dates import BANGKOK
from incubator.enums import EmailState
from incubator.mail import email_template_overrides
from incubator.models import OutboundEmail
from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEADLINE = datetime(2027, 3, 15, 23, 59, tzinfo=BANGKOK)


def _cohort(**kwargs):
    defaults = {
        "applications_open_at": DEADLINE - timedelta(days=30),
        "applications_close_at": DEADLINE,
        "status": CohortStatus.OPEN,
    }
    return CohortFactory(**{**defaults, **kwargs})


def _draft(cohort, **user_kwargs):
    return ApplicationFactory(cohort=cohort, applicant=UserFactory(**user_kwargs))


def _plan_at(moment) -> int:
    with time_machine.travel(moment, tick=False):
        return reminders_plan()


def _reminded(application) -> list[str]:
    return sorted(
        OutboundEmail.objects.filter(key__startswith=f"deadline-reminder:{application.pk}:").values_list(
            "key", flat=True
        )
    )


def _keys(application, *offsets) -> list[str]:
    return sorted(f"deadline-reminder:{application.pk}:{offset}" for offset in offsets)


def _covered(application) -> list[int]:
    return sorted(DeadlineReminder.objects.filter(application=application).values_list("offset_hours", flat=True))


def test_reminders_plan_queues_nothing_before_the_first_window():
    draft = _draft(_cohort())

    queued = _plan_at(DEADLINE - timedelta(hours=168, minutes=1))

    assert queued == 0
    assert _reminded(draft) == []


def test_reminders_plan_twice_at_the_same_instant_queues_each_offset_once():
    cohort = _cohort()
    drafts = [_draft(cohort) for _ in range(3)]
    moment = DEADLINE - timedelta(hours=167, minutes=50)

    first = _plan_at(moment)
    second = _plan_at(moment)

    assert (first, second) == (3, 0)
    for draft in drafts:
        assert _reminded(draft) == _keys(draft, 168)
        assert _covered(draft) == [168]


def test_reminders_plan_every_few_minutes_queues_each_offset_exactly_once():
    cohort = _cohort()
    drafts = [_draft(cohort) for _ in range(2)]
    moment = DEADLINE - timedelta(days=8)
    steps = [7, 30, 13, 1, 45, 23, 10, 19, 0, 25]  # minutes: uneven beat, runs late, early and doubled

    runs = 0
    while moment < DEADLINE + timedelta(hours=1):
        _plan_at(moment)
        moment += timedelta(minutes=steps[runs % len(steps)])
        runs += 1

    assert runs > 600
    for draft in drafts:
        assert _reminded(draft) == _keys(draft, 168, 24, 3)
        assert _covered(draft) == [3, 24, 168]


def test_reminders_plan_at_each_window_opening_and_on_the_deadline_edge():
    cohort = _cohort()
    draft = _draft(cohort)

    assert _plan_at(DEADLINE - timedelta(hours=168)) == 1
    assert _plan_at(DEADLINE - timedelta(hours=24, seconds=1)) == 0
    assert _plan_at(DEADLINE - timedelta(hours=24)) == 1
    assert _plan_at(DEADLINE - timedelta(hours=3)) == 1
    assert _plan_at(DEADLINE) == 0

    assert _reminded(draft) == _keys(draft, 168, 24, 3)


def test_reminders_plan_after_beat_was_down_across_offsets_sends_only_the_nearest_one():
    cohort = _cohort()
    draft = _draft(cohort)

    queued = _plan_at(DEADLINE - timedelta(hours=2))
    again = _plan_at(DEADLINE - timedelta(hours=1))

    assert (queued, again) == (1, 0)
    assert _reminded(draft) == _keys(draft, 3)
    assert _covered(draft) == [3, 24, 168]


def test_reminders_plan_after_a_missed_window_skips_ahead_without_repeating():
    cohort = _cohort()
    draft = _draft(cohort)
    _plan_at(DEADLINE - timedelta(hours=100))  # 7-day reminder

    _plan_at(DEADLINE - timedelta(hours=2, minutes=30))  # beat was down from 100 h to 2.5 h before

    assert _reminded(draft) == _keys(draft, 168, 3)
    assert _covered(draft) == [3, 24, 168]


def test_reminders_plan_for_a_draft_started_late_sends_the_current_offset_only():
    cohort = _cohort()
    early = _draft(cohort)
    _plan_at(DEADLINE - timedelta(hours=160))
    late = _draft(cohort, preferred_language="en")

    queued = _plan_at(DEADLINE - timedelta(hours=30))

    assert queued == 1
    assert _reminded(early) == _keys(early, 168)
    assert _reminded(late) == _keys(late, 168)
    assert "1 day, 6 hours" in OutboundEmail.objects.get(key=f"deadline-reminder:{late.pk}:168").body_text


@pytest.mark.parametrize(
    "status",
    [
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.UNDER_REVIEW,
        ApplicationStatus.SHORTLISTED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.REJECTED,
        ApplicationStatus.WITHDRAWN,
    ],
)
def test_reminders_plan_never_reminds_an_application_that_is_not_a_draft(status):
    cohort = _cohort()
    application = ApplicationFactory(cohort=cohort, status=status)

    queued = _plan_at(DEADLINE - timedelta(hours=2))

    assert queued == 0
    assert _reminded(application) == []
    assert _covered(application) == []


def test_reminders_plan_stops_once_the_draft_is_submitted():
    cohort = _cohort()
    draft = _draft(cohort)
    _plan_at(DEADLINE - timedelta(hours=100))
    draft.status = ApplicationStatus.SUBMITTED
    draft.save(update_fields=["status"])

    _plan_at(DEADLINE - timedelta(hours=20))
    _plan_at(DEADLINE - timedelta(hours=2))

    assert _reminded(draft) == _keys(draft, 168)


@pytest.mark.parametrize("status", [CohortStatus.DRAFT, CohortStatus.CLOSED, CohortStatus.RUNNING])
def test_reminders_plan_skips_cohorts_that_do_not_accept_applications(status):
    draft = _draft(_cohort(status=status))

    queued = _plan_at(DEADLINE - timedelta(hours=2))

    assert queued == 0
    assert _reminded(draft) == []


def test_reminders_plan_skips_a_cohort_whose_deadline_has_passed():
    draft = _draft(_cohort())

    queued = _plan_at(DEADLINE + timedelta(minutes=1))

    assert queued == 0
    assert _reminded(draft) == []


def test_reminders_plan_skips_applicants_whose_account_is_deactivated():
    draft = _draft(_cohort(), is_active=False)

    assert _plan_at(DEADLINE - timedelta(hours=2)) == 0
    assert _reminded(draft) == []


def test_reminders_plan_follows_the_cohorts_own_offsets():
    cohort = _cohort(reminder_offsets=[48, "junk", -5, 0, 48, 2.5])
    draft = _draft(cohort)

    _plan_at(DEADLINE - timedelta(hours=100))
    _plan_at(DEADLINE - timedelta(hours=47))
    _plan_at(DEADLINE - timedelta(hours=2))

    assert _reminded(draft) == _keys(draft, 48)


def test_reminders_plan_sends_nothing_when_the_cohort_has_no_offsets():
    draft = _draft(_cohort(reminder_offsets=[]))

    assert _plan_at(DEADLINE - timedelta(hours=2)) == 0
    assert _reminded(draft) == []


def test_reminders_plan_emails_in_the_applicants_language():
    cohort = _cohort(program=ProgramFactory(name="ระบบบ่มเพาะโครงการ", name_en="Social Incubator"))
    thai = _draft(cohort, full_name="สมหญิง รักถิ่น", preferred_language="th")
    english = _draft(cohort, full_name="Ann Smith", preferred_language="en")

    _plan_at(DEADLINE - timedelta(hours=167, minutes=50))

    thai_email = OutboundEmail.objects.get(key=f"deadline-reminder:{thai.pk}:168")
    english_email = OutboundEmail.objects.get(key=f"deadline-reminder:{english.pk}:168")
    assert (thai_email.language, english_email.language) == ("th", "en")
    assert "7 วัน" in thai_email.subject
    assert "7 วัน" in thai_email.body_text
    assert "สมหญิง รักถิ่น" in thai_email.body_text
    assert "ระบบบ่มเพาะโครงการ" in thai_email.body_text
    assert english_email.subject == f"7 days left to submit your application: {cohort.name}"
    assert "Time left before the deadline: 7 days" in english_email.body_text
    assert "Dear Ann Smith," in english_email.body_text
    assert "Social Incubator" in english_email.body_text
    assert "15 March 2027, 23:59" in english_email.body_text  # Gregorian in English
    assert "15 มีนาคม 2570, 23:59" in thai_email.body_text  # Buddhist Era in Thai


def test_reminders_plan_email_links_to_the_application_edit_page_and_escapes_the_name_in_html():
    cohort = _cohort()
    draft = _draft(cohort, full_name="Tom & <Jerry>", preferred_language="en")

    _plan_at(DEADLINE - timedelta(hours=2, minutes=55))

    email = OutboundEmail.objects.get()
    url = f"{settings.SITE_URL}/applications/{draft.pk}/edit/"
    assert email.key == f"deadline-reminder:{draft.pk}:3"
    assert email.to == draft.applicant.email
    assert email.recipient_user == draft.applicant
    assert email.related_object == draft
    assert email.template == "cohorts/deadline_reminder"
    assert email.state == EmailState.QUEUED
    assert url in email.body_text
    assert f'href="{url}"' in email.body_html
    assert "Dear Tom & <Jerry>," in email.body_text
    assert "Dear Tom &amp; &lt;Jerry&gt;," in email.body_html
    assert "3 hours" in email.subject


def test_reminders_plan_sends_the_queued_emails_after_commit(django_capture_on_commit_callbacks):
    cohort = _cohort()
    drafts = [_draft(cohort) for _ in range(3)]

    with (
        time_machine.travel(DEADLINE - timedelta(hours=20), tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        reminders_plan()

    assert len(callbacks) == 1
    assert sorted(message.to[0] for message in django_mail.outbox) == sorted(d.applicant.email for d in drafts)
    assert set(OutboundEmail.objects.values_list("state", flat=True)) == {EmailState.SENT}


def test_reminders_plan_keeps_rows_queued_when_the_broker_is_down(django_capture_on_commit_callbacks):
    from unittest import mock

    from incubator.tasks import outbox_send_many

    cohort = _cohort()
    for _ in range(3):
        _draft(cohort)

    with (
        mock.patch.object(outbox_send_many, "apply_async", side_effect=ConnectionRefusedError("broker down")) as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        queued = _plan_at(DEADLINE - timedelta(hours=20))

    assert queued == 3
    assert send.call_count == 1  # stops at the first broker error; the sweeper sends the rest
    assert list(OutboundEmail.objects.values_list("state", flat=True)) == [EmailState.QUEUED] * 3


def test_reminders_plan_query_count_is_the_same_for_one_and_many_drafts(django_assert_num_queries):
    # Cohorts; then per cohort: savepoint, (PostgreSQL lock), cohort, draft ids, the covered offsets
    # (168 h and 24 h here: one insert per offset on SQLite, one for both on PostgreSQL), the outbox
    # insert, release. The staff template overrides are read once per process (warmed here), no
    # longer once per language and run: 10 -> 8 on SQLite, 11 -> 8 on PostgreSQL. Plus one: the
    # deadline extensions due (none here; each is planned in its own transaction).
    ContentType.objects.get_for_model(Application)
    email_template_overrides()
    one = _cohort()
    _draft(one)
    many = _cohort()
    for _ in range(25):
        _draft(many)
    with time_machine.travel(DEADLINE - timedelta(hours=20), tick=False):
        one.status = CohortStatus.CLOSED
        one.save(update_fields=["status"])
        with django_assert_num_queries(9):
            assert reminders_plan() == 25
        one.status, many.status = CohortStatus.OPEN, CohortStatus.CLOSED
        one.save(update_fields=["status"])
        many.save(update_fields=["status"])
        with django_assert_num_queries(9):
            assert reminders_plan() == 1


def test_reminders_plan_leaves_an_existing_outbox_row_with_the_same_key_alone():
    draft = _draft(_cohort())
    OutboundEmail.objects.create(
        key=f"deadline-reminder:{draft.pk}:24", to=draft.applicant.email, subject="earlier", body_text="earlier"
    )

    _plan_at(DEADLINE - timedelta(hours=20))

    assert list(OutboundEmail.objects.values_list("key", "subject")) == [
        (f"deadline-reminder:{draft.pk}:24", "earlier")
    ]
    assert _covered(draft) == [24, 168]


def test_insert_from_select_refuses_to_leave_a_required_field_out():
    with pytest.raises(ValueError, match="offset_hours"):
        insert_from_select(model=DeadlineReminder, values={"application": F("pk")}, source=Application.objects.all())


def test_plan_deadline_reminders_task_is_registered_for_beat_and_queues():
    draft = _draft(_cohort())

    with time_machine.travel(DEADLINE - timedelta(hours=20), tick=False):
        result = plan_deadline_reminders.delay()

    assert result.get() == 1
    assert _reminded(draft) == _keys(draft, 24)
    assert "cohorts.plan_deadline_reminders" in celery_app.tasks
    assert settings.CELERY_BEAT_SCHEDULE["application-deadline-reminders"]["task"] == "cohorts.plan_deadline_reminders"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reminders_plan_in_two_concurrent_runs_queues_each_reminder_once():
    cohort = _cohort()
    drafts = [_draft(cohort) for _ in range(120)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(reminders_plan(now=DEADLINE - timedelta(hours=20)))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(results) == [0, len(drafts)]
    keys = Counter(OutboundEmail.objects.values_list("key", flat=True))
    assert len(keys) == len(drafts)
    assert set(keys.values()) == {1}
    assert DeadlineReminder.objects.count() == len(drafts) * 2  # 24 h sent, 168 h covered
    assert Counter(message.to[0] for message in django_mail.outbox) == Counter(d.applicant.email for d in drafts)
    assert connection.vendor == "postgresql"
