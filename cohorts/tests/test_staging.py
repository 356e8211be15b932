"""Staged decisions and the waiting list, on the real database: nothing is emailed before the
batch, exactly one email per person after it, a stale confirmation sends nothing, and a
declined place moves the waiting list up once (or tells staff)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from cohorts.enums import ApplicationStatus
from cohorts.models import Application, Participant, PendingDecision, PlaceFreed, WaitlistSpot
from cohorts.selectors.decisions import waitlist_ordered
from cohorts.services.applications import application_withdraw
from cohorts.services.decisions import DecisionRefused, application_decide
from cohorts.services.staff import staff_grant_program_role
from cohorts.services.staging import (
    StaleBatch,
    decision_preview,
    decision_stage,
    decision_unstage,
    decisions_send,
    decisions_stage_bulk,
)
from cohorts.tests.factories import CohortFactory, ProgramFactory, SubmittedApplicationFactory
from incubator.models import OutboundEmail
from incubator.tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

A, W, R = ApplicationStatus.ACCEPTED, ApplicationStatus.WAITLISTED, ApplicationStatus.REJECTED


def decision_emails(cohort=None):
    emails = OutboundEmail.objects.filter(key__startswith="decision:")
    if cohort is not None:
        emails = emails.filter(object_id__in=[str(pk) for pk in cohort.applications.values_list("pk", flat=True)])
    return emails


@pytest.fixture
def call():
    program = ProgramFactory()
    cohort = CohortFactory(program=program)
    staff = UserFactory(email="lead@example.org")
    staff_grant_program_role(user=staff, program=program)
    applications = [SubmittedApplicationFactory(cohort=cohort) for _ in range(3)]
    return cohort, staff, applications


def test_decision_stage_emails_nobody_and_changes_no_status(call):
    cohort, staff, (first, second, third) = call

    decision_stage(application=first, status=A, by=staff)
    decisions_stage_bulk(applications=[second, third], status=R, by=staff)
    decision_stage(application=third, status=W, by=staff, note="รอที่ว่าง")

    assert decision_emails().count() == 0
    assert set(Application.objects.filter(cohort=cohort).values_list("status", flat=True)) == {"submitted"}
    assert dict(PendingDecision.objects.values_list("application_id", "status")) == {
        first.pk: A,
        second.pk: R,
        third.pk: W,
    }
    assert PendingDecision.objects.get(application=third).waitlist_position == 1


def test_decisions_send_emails_each_person_exactly_once_and_clears_the_stage(call):
    cohort, staff, (first, second, third) = call
    decision_stage(application=first, status=A, by=staff)
    decision_stage(application=second, status=W, by=staff, waitlist_position=2)
    decision_stage(application=third, status=R, by=staff)

    summary = decisions_send(cohort=cohort, by=staff, expected_count=3)

    assert summary.emailed == 3
    assert sorted(decision_emails().values_list("to", flat=True)) == sorted(
        a.applicant.email for a in (first, second, third)
    )
    assert {a.pk: a.status for a in Application.objects.filter(cohort=cohort)} == {
        first.pk: A,
        second.pk: W,
        third.pk: R,
    }
    assert Participant.objects.filter(cohort=cohort).count() == 1
    assert WaitlistSpot.objects.get(application=second).position == 2
    assert PendingDecision.objects.count() == 0


def test_decisions_send_a_second_time_sends_nothing(call):
    cohort, staff, (first, *_rest) = call
    decision_stage(application=first, status=A, by=staff)
    decisions_send(cohort=cohort, by=staff, expected_count=1)

    with pytest.raises(ValidationError):
        decisions_send(cohort=cohort, by=staff, expected_count=1)

    assert decision_emails().count() == 1


def test_decisions_send_with_a_stale_count_sends_nothing(call):
    cohort, staff, (first, second, _third) = call
    decision_stage(application=first, status=A, by=staff)
    decision_stage(application=second, status=R, by=staff)  # staged after the page showed 1

    with pytest.raises(StaleBatch) as error:
        decisions_send(cohort=cohort, by=staff, expected_count=1)

    assert error.value.staged == 2
    assert decision_emails().count() == 0
    assert PendingDecision.objects.count() == 2
    assert Application.objects.get(pk=first.pk).status == ApplicationStatus.SUBMITTED


def test_decisions_send_is_all_or_nothing_when_one_cannot_be_decided(call):
    cohort, staff, (first, second, _third) = call
    decision_stage(application=first, status=A, by=staff)
    decision_stage(application=second, status=A, by=staff)
    application_decide(application=second, status=R, by=staff)  # decided in the admin meanwhile
    OutboundEmail.objects.all().delete()

    with pytest.raises(DecisionRefused):
        decisions_send(cohort=cohort, by=staff, expected_count=2)

    assert decision_emails().count() == 0
    assert Application.objects.get(pk=first.pk).status == ApplicationStatus.SUBMITTED


def test_decision_stage_refuses_a_draft_or_a_decided_application(call):
    cohort, staff, _applications = call
    decided = SubmittedApplicationFactory(cohort=cohort, status=A)

    with pytest.raises(DecisionRefused):
        decision_stage(application=decided, status=R, by=staff)
    with pytest.raises(DecisionRefused):
        decisions_stage_bulk(applications=[_applications[0], decided], status=R, by=staff)

    assert PendingDecision.objects.count() == 0


def test_decision_stage_refuses_a_position_beyond_the_limit(call):
    _cohort, staff, (first, *_rest) = call

    with pytest.raises(ValidationError) as error:
        decision_stage(application=first, status=W, by=staff, waitlist_position=10_001)

    assert "waitlist_position" in error.value.error_dict
    assert PendingDecision.objects.count() == 0


def test_decision_unstage_and_change_freely(call):
    cohort, staff, (first, *_rest) = call
    decision_stage(application=first, status=A, by=staff)
    decision_stage(application=first, status=R, by=staff)
    assert PendingDecision.objects.get(application=first).status == R

    assert decision_unstage(application=first, by=staff) is True

    assert PendingDecision.objects.count() == 0
    assert decision_emails().count() == 0


def test_decision_preview_is_the_email_the_person_gets(call):
    cohort, staff, (first, *_rest) = call
    first.applicant.preferred_language = "en"
    first.applicant.save(update_fields=["preferred_language"])
    pending = decision_stage(application=first, status=A, by=staff)

    preview = decision_preview(
        pending=PendingDecision.objects.select_related("application__applicant").get(pk=pending.pk)
    )
    decisions_send(cohort=cohort, by=staff, expected_count=1)

    sent = decision_emails().get()
    assert (preview.subject, preview.body_text) == (sent.subject, sent.body_text)
    assert "Congratulations" in preview.body_text


def test_withdrawing_a_staged_application_drops_its_staged_decision(call):
    _cohort, staff, (first, *_rest) = call
    decision_stage(application=first, status=A, by=staff)

    application_withdraw(application=first, by=first.applicant)

    assert PendingDecision.objects.count() == 0


# --- Declining and the waiting list -------------------------------------------------------------


def _accepted_and_waitlist(cohort, staff, *, waitlisted=2):
    accepted = SubmittedApplicationFactory(cohort=cohort)
    waiting = [SubmittedApplicationFactory(cohort=cohort) for _ in range(waitlisted)]
    decision_stage(application=accepted, status=A, by=staff)
    # Staged in reverse: the waiting list order is the positions, not the ids.
    for position, application in enumerate(reversed(waiting), start=1):
        decision_stage(application=application, status=W, by=staff, waitlist_position=position)
    decisions_send(cohort=cohort, by=staff, expected_count=1 + waitlisted)
    return accepted, list(reversed(waiting))


def test_decline_with_auto_promote_accepts_the_first_on_the_waiting_list_once(call):
    cohort, staff, _applications = call
    cohort.waitlist_auto_promote = True
    cohort.save(update_fields=["waitlist_auto_promote"])
    accepted, (first_waiting, second_waiting) = _accepted_and_waitlist(cohort, staff)

    application_withdraw(application=accepted, by=accepted.applicant)
    application_withdraw(application=Application.objects.get(pk=accepted.pk), by=accepted.applicant)

    assert Application.objects.get(pk=first_waiting.pk).status == A
    assert Application.objects.get(pk=second_waiting.pk).status == W
    assert PlaceFreed.objects.get().promoted_id == first_waiting.pk
    assert OutboundEmail.objects.filter(key=f"decision:{first_waiting.pk}:accepted").count() == 1
    assert not Participant.objects.get(application=accepted).is_active
    assert Participant.objects.get(application=first_waiting).is_active
    told = OutboundEmail.objects.filter(key__startswith=f"place-freed:{accepted.pk}:")
    assert list(told.values_list("to", flat=True)) == [staff.email]
    assert first_waiting.applicant.get_full_name() in told.get().body_text


def test_decline_without_auto_promote_tells_staff_a_place_is_free(call):
    cohort, staff, _applications = call
    accepted, waiting = _accepted_and_waitlist(cohort, staff)

    application_withdraw(application=accepted, by=accepted.applicant)

    assert [Application.objects.get(pk=a.pk).status for a in waiting] == [W, W]
    assert PlaceFreed.objects.get().promoted is None
    told = OutboundEmail.objects.get(key=f"place-freed:{accepted.pk}:{staff.pk}")
    assert told.to == staff.email
    assert OutboundEmail.objects.filter(key__startswith="decision:", key__endswith=":accepted").count() == 1


def test_two_declines_move_two_different_people_up(call):
    cohort, staff, _applications = call
    cohort.waitlist_auto_promote = True
    cohort.save(update_fields=["waitlist_auto_promote"])
    accepted, waiting = _accepted_and_waitlist(cohort, staff)
    other = SubmittedApplicationFactory(cohort=cohort)
    application_decide(application=other, status=A, by=staff)

    application_withdraw(application=accepted, by=accepted.applicant)
    application_withdraw(application=other, by=other.applicant)

    assert sorted(PlaceFreed.objects.values_list("promoted_id", flat=True)) == sorted(a.pk for a in waiting)


def test_waitlist_order_is_position_then_score(call):
    cohort, staff, _applications = call
    _accepted, waiting = _accepted_and_waitlist(cohort, staff, waitlisted=3)

    assert [a.pk for a in waitlist_ordered(cohort=cohort)] == [a.pk for a in waiting]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_declines_promote_each_waiting_person_once():
    program = ProgramFactory()
    cohort = CohortFactory(program=program, waitlist_auto_promote=True)
    staff = StaffFactory()
    staff_grant_program_role(user=staff, program=program)
    accepted = [SubmittedApplicationFactory(cohort=cohort) for _ in range(2)]
    waiting = [SubmittedApplicationFactory(cohort=cohort) for _ in range(3)]
    decisions_stage_bulk(applications=accepted, status=A, by=staff)
    decisions_stage_bulk(applications=waiting, status=W, by=staff)
    decisions_send(cohort=cohort, by=staff, expected_count=5)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def decline(pk: int) -> None:
        try:
            own = Application.objects.get(pk=pk)
            barrier.wait(timeout=10)
            application_withdraw(application=own, by=own.applicant)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    # Each accepted applicant declines twice at once (a double tap), both at the same time.
    threads = [threading.Thread(target=decline, args=(a.pk,)) for a in accepted for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    promoted = list(PlaceFreed.objects.values_list("promoted_id", flat=True))
    assert sorted(promoted) == sorted(a.pk for a in waiting[:2])
    assert Application.objects.get(pk=waiting[2].pk).status == W
    for application in waiting[:2]:
        assert OutboundEmail.objects.filter(key=f"decision:{application.pk}:accepted").count() == 1
