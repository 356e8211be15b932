"""The phase foundation: a handed-in application enters the call's first phase, a review is
scored against its phase's rubric, and the ranking counts one phase's reviews when asked."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cohorts.enums import ApplicationStatus, ReviewState
from cohorts.selectors.reviews import ALL_PHASES, applications_ranked
from cohorts.services.reviews import review_assign, review_submit_scores
from cohorts.tests.factories import (
    CriterionFactory,
    PhaseFactory,
    SubmittedApplicationFactory,
)
from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_review_in_phase_scored_against_phase_rubric_only():
    application = SubmittedApplicationFactory()
    screening = PhaseFactory(cohort=application.cohort, order=1)
    review_round = PhaseFactory(cohort=application.cohort, order=2)
    screening_criterion = CriterionFactory(cohort=application.cohort, phase=screening)
    CriterionFactory(cohort=application.cohort, phase=review_round)
    CriterionFactory(cohort=application.cohort, phase=None)
    reviewer = UserFactory()
    staff = UserFactory(is_staff=True)

    review = review_assign(application=application, reviewer=reviewer, by=staff, phase=screening)
    review = review_submit_scores(review=review, by=reviewer, scores={screening_criterion.pk: 4})

    assert review.state == ReviewState.COMPLETED
    assert list(review.scores.values_list("criterion_id", flat=True)) == [screening_criterion.pk]


def test_same_reviewer_reviews_an_application_once_per_phase():
    application = SubmittedApplicationFactory()
    first, second = PhaseFactory(cohort=application.cohort, order=1), PhaseFactory(cohort=application.cohort, order=2)
    reviewer, staff = UserFactory(), UserFactory(is_staff=True)

    one = review_assign(application=application, reviewer=reviewer, by=staff, phase=first)
    again = review_assign(application=application, reviewer=reviewer, by=staff, phase=first)
    other = review_assign(application=application, reviewer=reviewer, by=staff, phase=second)

    assert one.pk == again.pk
    assert other.pk != one.pk
    assert application.reviews.count() == 2


def test_no_phase_review_is_unique_per_reviewer_in_the_database():
    application = SubmittedApplicationFactory()
    reviewer, staff = UserFactory(), UserFactory(is_staff=True)
    review_assign(application=application, reviewer=reviewer, by=staff)
    from cohorts.models import ReviewAssignment

    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewAssignment.objects.create(application=application, reviewer=reviewer)


def test_phase_of_another_call_is_refused():
    application = SubmittedApplicationFactory()
    elsewhere = PhaseFactory()

    with pytest.raises(ValidationError):
        review_assign(application=application, reviewer=UserFactory(), by=UserFactory(is_staff=True), phase=elsewhere)

    assert application.reviews.count() == 0


def test_ranking_counts_only_the_phase_asked_for():
    application = SubmittedApplicationFactory(status=ApplicationStatus.UNDER_REVIEW)
    first, second = PhaseFactory(cohort=application.cohort, order=1), PhaseFactory(cohort=application.cohort, order=2)
    low = CriterionFactory(cohort=application.cohort, phase=first)
    high = CriterionFactory(cohort=application.cohort, phase=second)
    staff = UserFactory(is_staff=True)
    reviewer = UserFactory()
    review_submit_scores(
        review=review_assign(application=application, reviewer=reviewer, by=staff, phase=first),
        by=reviewer,
        scores={low.pk: 1},
    )
    review_submit_scores(
        review=review_assign(application=application, reviewer=reviewer, by=staff, phase=second),
        by=reviewer,
        scores={high.pk: 5},
    )

    by_phase = {
        label: applications_ranked(cohort=application.cohort, phase=phase).get().weighted_score
        for label, phase in (("first", first), ("second", second), ("all", ALL_PHASES))
    }

    assert by_phase == {"first": 0.0, "second": 100.0, "all": 50.0}
