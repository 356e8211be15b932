"""Reviewer reminders: each reviewer and offset exactly once, whatever beat did; nobody with
nothing pending; nothing after the deadline; a blind phase's email names nobody."""

import threading
from collections import Counter
from datetime import datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail as django_mail
from django.db import connection, connections
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from cohorts.enums import ApplicationStatus, ReviewState
from cohorts.models import ReviewReminder
from cohorts.services.review_reminders import review_reminder_key, review_reminders_plan
from cohorts.services.staff import staff_grant_program_role
from cohorts.tasks import plan_review_reminders
from cohorts.tests.factories import (
    OrganisationFactory,
    PhaseFactory,
    ProgramFactory,
    ReviewAssignmentFactory,
    SubmittedApplicationFactory,
)
from incubator.celery import app as celery_app
from incubator.dates import BANGKOK
from incubator.enums import EmailState
from incubator.mail import email_template_overrides
from incubator.models import OutboundEmail
from incubator.tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

DEADLINE = datetime(2027, 4, 20, 17, 0, tzinfo=BANGKOK)
THREE_DAYS = DEADLINE - timedelta(days=3)
ONE_DAY = DEADLINE - timedelta(days=1)


def _phase(**kwargs):
    return PhaseFactory(**{"review_deadline": DEADLINE, "reminder_days": [3, 1], **kwargs})


def _review(phase, reviewer=None, **kwargs):
    application = kwargs.pop("application", None) or SubmittedApplicationFactory(cohort=phase.cohort)
    return ReviewAssignmentFactory(application=application, phase=phase, reviewer=reviewer or UserFactory(), **kwargs)


def _plan_at(moment) -> int:
    with time_machine.travel(moment, tick=False):
        return review_reminders_plan()


def _keys(phase, reviewer=None) -> list[str]:
    prefix = f"review-reminder:{phase.pk}:" + (f"{reviewer.pk}:" if reviewer else "")
    return sorted(OutboundEmail.objects.filter(key__startswith=prefix).values_list("key", flat=True))


def _key(phase, reviewer, days) -> str:
    return review_reminder_key(phase_id=phase.pk, reviewer_id=reviewer.pk, offset_days=days)


def _rows(phase, reviewer) -> list[tuple[int, bool]]:
    return sorted(ReviewReminder.objects.filter(phase=phase, reviewer=reviewer).values_list("offset_days", "emailed"))


def _pending_line(count: int, email: str) -> str:
    from incubator.models import User

    with translation.override(User.objects.get(email=email).preferred_language or "th"):
        return gettext("Applications waiting for your scores: %(pending)s") % {"pending": count}


# Windows, to the second -----------------------------------------------------------------------


def test_review_reminders_plan_sends_nothing_a_second_before_the_first_window():
    review = _review(_phase())

    assert _plan_at(THREE_DAYS - timedelta(seconds=1)) == 0

    assert _keys(review.phase) == []


def test_review_reminders_plan_opens_each_window_on_its_second():
    review = _review(_phase())
    phase, reviewer = review.phase, review.reviewer

    assert _plan_at(THREE_DAYS) == 1
    assert _plan_at(ONE_DAY - timedelta(seconds=1)) == 0
    assert _plan_at(ONE_DAY) == 1

    assert _keys(phase) == sorted([_key(phase, reviewer, 3), _key(phase, reviewer, 1)])


@pytest.mark.parametrize("after", [timedelta(0), timedelta(seconds=1), timedelta(days=2)])
def test_review_reminders_plan_sends_nothing_once_the_deadline_has_come(after):
    review = _review(_phase())

    assert _plan_at(DEADLINE + after) == 0

    assert _keys(review.phase) == []
    assert ReviewReminder.objects.count() == 0


def test_review_reminders_plan_a_second_before_the_deadline_still_sends_the_last_offset():
    review = _review(_phase())

    assert _plan_at(DEADLINE - timedelta(seconds=1)) == 1

    assert _keys(review.phase) == [_key(review.phase, review.reviewer, 1)]


# Exactly once -----------------------------------------------------------------------------------


def test_review_reminders_plan_twice_at_the_same_instant_queues_each_reviewer_once():
    phase = _phase()
    reviews = [_review(phase) for _ in range(3)]

    first = _plan_at(THREE_DAYS + timedelta(minutes=4))
    second = _plan_at(THREE_DAYS + timedelta(minutes=4))

    assert (first, second) == (3, 0)
    assert _keys(phase) == sorted(_key(phase, review.reviewer, 3) for review in reviews)


def test_review_reminders_plan_every_ten_minutes_sends_each_reviewer_and_offset_exactly_once():
    phase = _phase()
    reviewer = UserFactory()
    for _ in range(4):  # four pending reviews, one reminder per offset
        _review(phase, reviewer)
    moment = THREE_DAYS - timedelta(hours=1)
    while moment < DEADLINE + timedelta(hours=1):
        _plan_at(moment)
        moment += timedelta(minutes=10)

    assert _keys(phase) == sorted([_key(phase, reviewer, 3), _key(phase, reviewer, 1)])
    assert _rows(phase, reviewer) == [(1, True), (3, True)]
    assert set(ReviewReminder.objects.values_list("pending", flat=True)) == {4}


def test_review_reminders_plan_after_beat_was_down_across_both_offsets_sends_only_the_nearest():
    review = _review(_phase())
    phase, reviewer = review.phase, review.reviewer

    assert _plan_at(ONE_DAY + timedelta(hours=5)) == 1
    assert _plan_at(ONE_DAY + timedelta(hours=6)) == 0

    assert _keys(phase) == [_key(phase, reviewer, 1)]
    assert _rows(phase, reviewer) == [(1, True), (3, False)]


def test_review_reminders_plan_sends_once_per_reviewer_not_per_review_with_the_pending_count():
    phase = _phase()
    busy, light = UserFactory(full_name="Somchai Busy"), UserFactory(full_name="Malee Light")
    for _ in range(3):
        _review(phase, busy)
    _review(phase, light)
    _review(phase, busy, state=ReviewState.COMPLETED)

    assert _plan_at(THREE_DAYS + timedelta(minutes=1)) == 2

    by_reviewer = {email.to: email for email in OutboundEmail.objects.filter(key__startswith="review-reminder:")}
    assert set(by_reviewer) == {busy.email, light.email}
    assert _pending_line(3, busy.email) in by_reviewer[busy.email].body_text
    assert _pending_line(1, light.email) in by_reviewer[light.email].body_text
    assert dict(ReviewReminder.objects.values_list("reviewer__email", "pending")) == {busy.email: 3, light.email: 1}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_review_reminders_plan_in_two_concurrent_runs_queues_each_reminder_once():
    phase = _phase()
    reviews = [_review(phase) for _ in range(40)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(review_reminders_plan(now=ONE_DAY + timedelta(minutes=3)))
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
    assert sorted(results) == [0, len(reviews)]
    keys = Counter(OutboundEmail.objects.values_list("key", flat=True))
    assert len(keys) == len(reviews)
    assert set(keys.values()) == {1}
    assert ReviewReminder.objects.count() == len(reviews) * 2  # 1 day sent, 3 days covered
    assert connection.vendor == "postgresql"


# Who is reminded --------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [ReviewState.COMPLETED, ReviewState.CONFLICT])
def test_review_reminders_plan_leaves_a_reviewer_with_nothing_pending_alone(state):
    review = _review(_phase(), state=state)

    assert _plan_at(ONE_DAY) == 0

    assert _keys(review.phase) == []
    assert ReviewReminder.objects.count() == 0


@pytest.mark.parametrize("status", [ApplicationStatus.WITHDRAWN, ApplicationStatus.ACCEPTED])
def test_review_reminders_plan_does_not_count_applications_no_longer_open_to_review(status):
    phase = _phase()
    application = SubmittedApplicationFactory(cohort=phase.cohort, status=status)
    review = _review(phase, application=application)

    assert _plan_at(ONE_DAY) == 0

    assert _keys(phase, review.reviewer) == []


def test_review_reminders_plan_counts_only_the_phases_own_reviews():
    phase = _phase()
    other = _phase(cohort=phase.cohort, review_deadline=DEADLINE + timedelta(days=30))
    reviewer = UserFactory()
    _review(other, reviewer)
    _review(other, reviewer)
    _review(phase, reviewer)

    _plan_at(ONE_DAY)

    assert _keys(phase) == [_key(phase, reviewer, 1)]
    assert _keys(other) == []
    assert list(ReviewReminder.objects.values_list("phase", "pending", "offset_days", "emailed")) == [
        (phase.pk, 1, 1, True),
        (phase.pk, 1, 3, False),
    ]


def test_review_reminders_plan_skips_deactivated_reviewers():
    review = _review(_phase(), UserFactory(is_active=False))

    assert _plan_at(ONE_DAY) == 0

    assert _keys(review.phase) == []


def test_review_reminders_plan_reminds_a_reviewer_assigned_after_the_first_offset_at_the_next():
    phase = _phase()
    _review(phase)
    _plan_at(THREE_DAYS + timedelta(minutes=1))
    late = _review(phase)

    _plan_at(THREE_DAYS + timedelta(hours=1))  # the 3-day window is still the current one
    _plan_at(ONE_DAY)

    assert _keys(phase, late.reviewer) == sorted([_key(phase, late.reviewer, 3), _key(phase, late.reviewer, 1)])


@pytest.mark.parametrize("days", [[], "3", {"days": 3}, [0, -1, True, 3.5, 999]])
def test_review_reminders_plan_ignores_offsets_that_are_not_whole_days(days):
    review = _review(_phase(reminder_days=days))

    assert _plan_at(ONE_DAY) == 0

    assert _keys(review.phase) == []


def test_review_reminders_plan_follows_the_phases_own_days():
    _review(_phase(reminder_days=[7]))

    assert _plan_at(DEADLINE - timedelta(days=7, seconds=1)) == 0
    assert _plan_at(DEADLINE - timedelta(days=7)) == 1
    assert _plan_at(ONE_DAY) == 0


def test_moving_the_deadline_later_reopens_the_offsets_not_yet_sent():
    review = _review(_phase())
    phase, reviewer = review.phase, review.reviewer
    _plan_at(THREE_DAYS + timedelta(minutes=1))
    later = DEADLINE + timedelta(days=10)
    phase.review_deadline = later
    phase.save(update_fields=["review_deadline"])

    assert _plan_at(ONE_DAY) == 0  # the old 1-day mark: nothing, the deadline moved
    assert _plan_at(later - timedelta(days=3)) == 0  # already sent for 3 days
    assert _plan_at(later - timedelta(days=1)) == 1

    assert _keys(phase) == sorted([_key(phase, reviewer, 3), _key(phase, reviewer, 1)])
    assert ReviewReminder.objects.get(phase=phase, reviewer=reviewer, offset_days=1).deadline == later


# The email ---------------------------------------------------------------------------------------


def test_review_reminder_email_links_to_the_review_list_in_the_reviewers_language():
    phase = _phase(name="รอบพิจารณา", name_en="Scored review")
    thai = _review(phase, UserFactory(preferred_language="th")).reviewer
    english = _review(phase, UserFactory(preferred_language="en", full_name="Tom & <Jerry>")).reviewer

    _plan_at(ONE_DAY + timedelta(minutes=2))

    th = OutboundEmail.objects.get(to=thai.email)
    en = OutboundEmail.objects.get(to=english.email)
    review_url = settings.SITE_URL + reverse("cohorts:review_list")
    assert review_url in th.body_text
    assert f'href="{review_url}"' in th.body_html
    assert "รอบพิจารณา" in th.subject
    assert "Scored review" in en.subject
    assert "1 day" in en.subject
    assert "Dear Tom & <Jerry>," in en.body_text
    assert "Dear Tom &amp; &lt;Jerry&gt;," in en.body_html
    assert "2570" in th.body_text  # the deadline in the Buddhist Era


def test_review_reminder_in_a_blind_phase_names_no_application():
    phase = _phase(is_blind=True)
    organisation = OrganisationFactory(name="มูลนิธิรักษ์ป่าต้นน้ำน่าน")
    applicant = UserFactory(full_name="วิไลวรรณ ผู้สมัคร", email="wilaiwan@example.org")
    application = SubmittedApplicationFactory(
        cohort=phase.cohort, organisation=organisation, applicant=applicant, idea_title="ธนาคารเมล็ดพันธุ์ชุมชน"
    )
    review = _review(phase, application=application)

    _plan_at(ONE_DAY)

    email = OutboundEmail.objects.get(to=review.reviewer.email)
    for text in (email.subject, email.body_text, email.body_html):
        for identifying in (
            "วิไลวรรณ",
            "wilaiwan",
            "มูลนิธิรักษ์ป่าต้นน้ำน่าน",
            "ธนาคารเมล็ดพันธุ์",
            f"/review/{review.pk}/",  # no link to the application's page either
            f"/applications/{application.pk}/",
        ):
            assert identifying not in text
    assert _pending_line(1, email.to) in email.body_text  # the count, and nothing that names anyone


# Outbox, broker, beat -----------------------------------------------------------------------------


def test_review_reminders_plan_with_the_broker_down_keeps_the_row_and_the_sweeper_sends_it(
    django_capture_on_commit_callbacks,
):
    from incubator.tasks import outbox_send_many, outbox_sweep

    review = _review(_phase())

    with (
        mock.patch.object(outbox_send_many, "apply_async", side_effect=ConnectionRefusedError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert _plan_at(ONE_DAY) == 1

    email = OutboundEmail.objects.get(key=_key(review.phase, review.reviewer, 1))
    assert email.state == EmailState.QUEUED
    assert django_mail.outbox == []
    with time_machine.travel(ONE_DAY + timedelta(minutes=3)):
        outbox_sweep.delay()
    email.refresh_from_db()
    assert email.state == EmailState.SENT
    assert [message.to for message in django_mail.outbox] == [[review.reviewer.email]]


def test_review_reminders_plan_sends_after_commit(django_capture_on_commit_callbacks):
    phase = _phase()
    reviews = [_review(phase) for _ in range(2)]

    with (
        time_machine.travel(ONE_DAY, tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        review_reminders_plan()

    assert len(callbacks) == 1
    assert sorted(message.to[0] for message in django_mail.outbox) == sorted(r.reviewer.email for r in reviews)


def test_review_reminders_plan_leaves_an_existing_outbox_row_with_the_same_key_alone():
    review = _review(_phase())
    key = _key(review.phase, review.reviewer, 1)
    OutboundEmail.objects.create(key=key, to=review.reviewer.email, subject="earlier", body_text="earlier")

    _plan_at(ONE_DAY)

    assert list(OutboundEmail.objects.values_list("key", "subject")) == [(key, "earlier")]


def test_review_reminders_plan_query_count_is_the_same_for_one_and_many_reviewers(django_assert_num_queries):
    # Phases; then per phase: savepoint, (PostgreSQL lock), phase, due reviewers, a row insert per
    # open offset (two here), the outbox insert, release.
    ContentType.objects.get_for_model(ReviewReminder)
    email_template_overrides()
    one, many = _phase(), _phase(review_deadline=DEADLINE + timedelta(days=70))  # never in planning together
    _review(one)
    reviewer = UserFactory()
    _review(many, reviewer)
    for _ in range(25):
        _review(many, UserFactory())
        _review(many, reviewer)
    lock = 1 if connection.vendor == "postgresql" else 0

    with django_assert_num_queries(8 + lock):
        assert review_reminders_plan(now=ONE_DAY) == 1
    with django_assert_num_queries(8 + lock):
        assert review_reminders_plan(now=DEADLINE + timedelta(days=69)) == 26


def test_plan_review_reminders_task_is_registered_for_beat_and_queues():
    review = _review(_phase())

    with time_machine.travel(ONE_DAY, tick=False):
        result = plan_review_reminders.delay()

    assert result.get() == 1
    assert _keys(review.phase) == [_key(review.phase, review.reviewer, 1)]
    assert "cohorts.plan_review_reminders" in celery_app.tasks
    assert settings.CELERY_BEAT_SCHEDULE["review-deadline-reminders"]["task"] == "cohorts.plan_review_reminders"


# Staff see who was reminded ------------------------------------------------------------------------


CHANGELIST = reverse("admin:cohorts_reviewreminder_changelist")


@pytest.fixture
def reminded():
    review = _review(_phase(), UserFactory(full_name="ผู้ทบทวน สมศรี"))
    other = _review(_phase(), UserFactory(full_name="ผู้ทบทวน ต่างโครงการ"))
    _plan_at(ONE_DAY)
    program_staff = UserFactory()
    staff_grant_program_role(user=program_staff, program=review.phase.cohort.program)
    other_staff = UserFactory()
    staff_grant_program_role(user=other_staff, program=ProgramFactory())
    return {
        "review": review,
        "other": other,
        "users": {
            "anonymous": None,
            "reviewer": review.reviewer,
            "staff_other_program": other_staff,
            "program_staff": program_staff,
            "superuser": SuperuserFactory(),
        },
    }


@pytest.mark.parametrize(
    ("who", "status", "listed", "listed_other"),
    [
        ("anonymous", 302, False, False),
        ("reviewer", 302, False, False),
        ("staff_other_program", 200, False, False),
        ("program_staff", 200, True, False),
        ("superuser", 200, True, True),
    ],
)
def test_review_reminder_changelist_permission_matrix(client, reminded, who, status, listed, listed_other):
    user = reminded["users"][who]
    if user is not None:
        client.force_login(user)

    response = client.get(CHANGELIST)

    assert response.status_code == status
    body = response.content.decode()
    assert ("ผู้ทบทวน สมศรี" in body) is listed
    assert ("ผู้ทบทวน ต่างโครงการ" in body) is listed_other


@pytest.mark.parametrize(("who", "status"), [("staff_other_program", 302), ("program_staff", 200)])
def test_review_reminder_change_view_is_scoped(client, reminded, who, status):
    row = ReviewReminder.objects.get(reviewer=reminded["review"].reviewer, offset_days=1)
    client.force_login(reminded["users"][who])

    response = client.get(reverse("admin:cohorts_reviewreminder_change", args=[row.pk]))

    assert response.status_code == status
    assert ("ผู้ทบทวน สมศรี" in response.content.decode()) is (status == 200)


@pytest.mark.parametrize("rows", [1, 8])
def test_review_reminder_changelist_query_count_is_flat(client, django_assert_num_queries, rows):
    program = ProgramFactory()
    for _ in range(rows):
        _review(_phase(cohort__program=program))
    _plan_at(ONE_DAY)
    staff = UserFactory()
    staff_grant_program_role(user=staff, program=program)
    client.force_login(staff)

    # Session, user, permissions (2), programs, the cohort filter, counts (2), rows, the date
    # drill-down (2), the offset filter.
    with django_assert_num_queries(12):
        response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert response.context["cl"].result_count == rows * 2
