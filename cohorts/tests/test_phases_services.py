"""Moving applications through a call's phases: all or nothing, history, exactly one email per
application and phase, and a threshold that moves exactly the previewed set."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cohorts.enums import ApplicationStatus
from cohorts.selectors.phases import (
    RANK_NORMALISED,
    RANK_RAW,
    application_phase_steps,
    applications_above_threshold,
    selection_overview,
)
from cohorts.services.phases import AdvanceRefused, applications_advance, applications_advance_by_threshold
from cohorts.services.reviews import review_assign, review_submit_scores
from cohorts.tests.factories import (
    CohortFactory,
    CriterionFactory,
    PhaseFactory,
    SubmittedApplicationFactory,
)
from incubator.models import OutboundEmail
from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    """A call with three phases, a rubric (one 1-5 criterion) in the first, staff and a reviewer."""
    cohort = CohortFactory()
    screening = PhaseFactory(cohort=cohort, order=1, name="คัดกรองคุณสมบัติ", name_en="Screening", kind="screening")
    review = PhaseFactory(cohort=cohort, order=2, name="พิจารณาให้คะแนน", name_en="Scored review")
    interview = PhaseFactory(cohort=cohort, order=3, name="สัมภาษณ์", name_en="Interview", kind="interview")
    criterion = CriterionFactory(cohort=cohort, phase=screening, min_score=1, max_score=5)
    return {
        "cohort": cohort,
        "phases": [screening, review, interview],
        "criterion": criterion,
        "staff": UserFactory(is_staff=True),
        "reviewer": UserFactory(),
    }


def _apply(call, count=1, **kwargs):
    return [SubmittedApplicationFactory(cohort=call["cohort"], phase=call["phases"][0], **kwargs) for _ in range(count)]


def _score(call, application, value, reviewer=None):
    reviewer = reviewer or call["reviewer"]
    review = review_assign(application=application, reviewer=reviewer, by=call["staff"], phase=call["phases"][0])
    return review_submit_scores(review=review, by=reviewer, scores={call["criterion"].pk: value})


def test_advance_moves_every_application_and_records_history(call):
    first, second = _apply(call, 2)
    to_phase = call["phases"][1]

    result = applications_advance(applications=[first, second], to_phase=to_phase, by=call["staff"])

    assert [application.pk for application in result.moved] == sorted([first.pk, second.pk])
    for application in (first, second):
        application.refresh_from_db()
        assert application.phase_id == to_phase.pk
        latest = application.history.order_by("-history_id").first()
        assert (latest.phase_id, latest.history_user_id) == (to_phase.pk, call["staff"].pk)
        assert latest.history_change_reason == "moved to phase: พิจารณาให้คะแนน"
    assert OutboundEmail.objects.count() == 0  # notify was not asked for


@pytest.mark.parametrize(
    "status",
    [ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN, ApplicationStatus.REJECTED, ApplicationStatus.ACCEPTED],
)
def test_advance_is_all_or_nothing_when_one_cannot_move(call, status):
    movable = _apply(call)[0]
    stuck = SubmittedApplicationFactory(cohort=call["cohort"], phase=call["phases"][0], status=status)

    with pytest.raises(AdvanceRefused) as refused:
        applications_advance(applications=[movable, stuck], to_phase=call["phases"][1], by=call["staff"], notify=True)

    assert refused.value.refused == [stuck]
    assert translation.gettext("Nothing was moved.") in refused.value.messages[0]
    movable.refresh_from_db()
    assert movable.phase_id == call["phases"][0].pk
    assert movable.history.count() == 1  # only the factory's row
    assert OutboundEmail.objects.count() == 0


def test_advance_refuses_a_phase_of_another_call(call):
    application = _apply(call)[0]
    elsewhere = PhaseFactory(order=5)

    with pytest.raises(AdvanceRefused):
        applications_advance(applications=[application], to_phase=elsewhere, by=call["staff"])

    application.refresh_from_db()
    assert application.phase_id == call["phases"][0].pk


def test_advance_refuses_a_backwards_move(call):
    behind, ahead = _apply(call, 2)
    applications_advance(applications=[ahead], to_phase=call["phases"][2], by=call["staff"])

    with pytest.raises(AdvanceRefused) as refused:
        applications_advance(applications=[behind, ahead], to_phase=call["phases"][1], by=call["staff"])

    assert refused.value.refused == [ahead]
    behind.refresh_from_db()
    assert behind.phase_id == call["phases"][0].pk


def test_advance_with_no_application_is_refused(call):
    with pytest.raises(ValidationError):
        applications_advance(applications=[], to_phase=call["phases"][1], by=call["staff"])


def test_notify_queues_exactly_one_email_per_application_and_phase(call, django_capture_on_commit_callbacks):
    first, second = _apply(call, 2)
    first.applicant.preferred_language = "th"
    first.applicant.save()

    with django_capture_on_commit_callbacks(execute=False):
        applications_advance(applications=[first, second], to_phase=call["phases"][1], by=call["staff"], notify=True)
        again = applications_advance(
            applications=[first, second], to_phase=call["phases"][1], by=call["staff"], notify=True
        )
        applications_advance(applications=[first], to_phase=call["phases"][2], by=call["staff"], notify=True)

    assert sorted(application.pk for application in again.unchanged) == sorted([first.pk, second.pk])
    keys = sorted(OutboundEmail.objects.values_list("key", flat=True))
    assert keys == sorted(
        [
            f"phase-moved:{first.pk}:{call['phases'][1].pk}",
            f"phase-moved:{second.pk}:{call['phases'][1].pk}",
            f"phase-moved:{first.pk}:{call['phases'][2].pk}",
        ]
    )
    thai = OutboundEmail.objects.get(key=f"phase-moved:{first.pk}:{call['phases'][1].pk}")
    assert "พิจารณาให้คะแนน" in thai.subject
    assert thai.to == first.applicant.email


def test_threshold_preview_lists_the_phase_applications_at_or_above(call):
    high, edge, low, unscored = _apply(call, 4)
    _score(call, high, 5)  # 100
    _score(call, edge, 4)  # 75
    _score(call, low, 2)  # 25
    elsewhere = SubmittedApplicationFactory(cohort=call["cohort"], phase=call["phases"][1])

    preview = applications_above_threshold(phase=call["phases"][0], threshold=75, rank_by=RANK_RAW)

    assert preview.ids == [high.pk, edge.pk]
    assert preview.count == 2
    assert unscored.pk not in preview.ids
    assert elsewhere.pk not in preview.ids


def test_threshold_preview_by_normalised_score(call):
    harsh, lenient = UserFactory(), UserFactory()
    apps = _apply(call, 4)
    for application, reviewer, value in zip(apps, [harsh, harsh, lenient, lenient], [2, 1, 5, 4], strict=True):
        _score(call, application, value, reviewer=reviewer)

    raw = applications_above_threshold(phase=call["phases"][0], threshold=70, rank_by=RANK_RAW)
    fair = applications_above_threshold(phase=call["phases"][0], threshold=70, rank_by=RANK_NORMALISED)

    assert set(raw.ids) == {apps[2].pk, apps[3].pk}  # the lenient reviewer's only
    assert set(fair.ids) == {apps[0].pk, apps[2].pk}  # each reviewer's best


def test_applying_the_threshold_moves_exactly_the_previewed_set(call):
    high, edge, low = _apply(call, 3)
    _score(call, high, 5)
    _score(call, edge, 4)
    _score(call, low, 1)
    preview = applications_above_threshold(phase=call["phases"][0], threshold=75, rank_by=RANK_RAW)

    result = applications_advance_by_threshold(
        phase=call["phases"][0], threshold=75, rank_by=RANK_RAW, expected_ids=preview.ids, by=call["staff"]
    )

    assert sorted(application.pk for application in result.moved) == sorted(preview.ids)
    moved = set(call["cohort"].applications.filter(phase=call["phases"][1]).values_list("pk", flat=True))
    assert moved == {high.pk, edge.pk}
    low.refresh_from_db()
    assert low.phase_id == call["phases"][0].pk


def test_a_stale_threshold_preview_is_refused_and_moves_nobody(call):
    high, later = _apply(call, 2)
    _score(call, high, 5)
    preview = applications_above_threshold(phase=call["phases"][0], threshold=75, rank_by=RANK_RAW)
    _score(call, later, 5)  # scored after the preview: the set changed

    with pytest.raises(AdvanceRefused) as refused:
        applications_advance_by_threshold(
            phase=call["phases"][0], threshold=75, rank_by=RANK_RAW, expected_ids=preview.ids, by=call["staff"]
        )

    assert refused.value.code == "stale"
    assert not call["cohort"].applications.filter(phase=call["phases"][1]).exists()


def test_threshold_on_the_last_phase_is_refused(call):
    with pytest.raises(AdvanceRefused):
        applications_advance_by_threshold(
            phase=call["phases"][2], threshold=0, rank_by=RANK_RAW, expected_ids=[], by=call["staff"]
        )


def test_selection_overview_counts_applications_and_reviews_per_phase(call):
    first, second, third = _apply(call, 3)
    _score(call, first, 5)
    review_assign(application=second, reviewer=call["reviewer"], by=call["staff"], phase=call["phases"][0])
    applications_advance(applications=[third], to_phase=call["phases"][1], by=call["staff"])
    SubmittedApplicationFactory(cohort=call["cohort"], phase=call["phases"][0], status=ApplicationStatus.WITHDRAWN)

    rows = selection_overview(cohort=call["cohort"])

    by_order = {row.phase.order: row for row in rows}
    assert [row.phase.order for row in rows] == [1, 2, 3]
    assert (by_order[1].handed_in, by_order[1].reviews_done, by_order[1].reviews_pending) == (2, 1, 1)
    assert by_order[2].handed_in == 1
    assert [application.pk for application in by_order[2].movable] == [third.pk]
    assert by_order[1].next_phase == call["phases"][1]
    assert by_order[3].next_phase is None


def test_phase_steps_show_done_current_next_and_no_score_unless_published(call):
    application = _apply(call)[0]
    _score(call, application, 4)
    applications_advance(applications=[application], to_phase=call["phases"][1], by=call["staff"])
    application.refresh_from_db()

    steps = application_phase_steps(application=application)

    assert [step.state for step in steps] == ["done", "current", "next"]
    assert [step.score for step in steps] == [None, None, None]
    screening = call["phases"][0]
    screening.scores_published = True
    screening.save()
    assert application_phase_steps(application=application)[0].score == 75.0


@pytest.mark.parametrize("status", [ApplicationStatus.DRAFT, ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED])
def test_phase_steps_are_not_shown_for_drafts_and_decided_applications(call, status):
    application = SubmittedApplicationFactory(cohort=call["cohort"], phase=call["phases"][0], status=status)

    assert application_phase_steps(application=application) == []
