from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from cohorts.enums import ApplicationStatus, ParticipantRole, ReviewState, TrackKind
from cohorts.models import Application, Participant, ReviewAssignment, Score
from cohorts.selectors.reviews import (
    DISAGREEMENT_THRESHOLD,
    applications_ranked,
    review_get_for_reviewer,
    reviews_for_reviewer,
)
from cohorts.services.decisions import (
    DecisionRefused,
    application_decide,
    applications_decide_bulk,
    participant_create_from_application,
)
from cohorts.services.reviews import (
    AssignmentRefused,
    review_assign,
    review_declare_conflict,
    review_submit_scores,
    reviews_assign_bulk,
)
from cohorts.services.staff import PROGRAM_STAFF_GROUP, staff_grant_program_role
from cohorts.tests.factories import (
    ApplicationFactory,
    CohortFactory,
    CriterionFactory,
    OrganisationFactory,
    ProgramFactory,
    ReviewAssignmentFactory,
    SubmittedApplicationFactory,
    TrackFactory,
)
from incubator.enums import EmailState
from incubator.models import EmailTemplate, OutboundEmail
from incubator.tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rubric():
    """Two criteria with different weights and ranges: A (weight 2, 1-5), B (weight 1, 0-10)."""
    cohort = CohortFactory()
    a = CriterionFactory(cohort=cohort, order=1, weight=Decimal("2.00"), min_score=1, max_score=5)
    b = CriterionFactory(cohort=cohort, order=2, weight=Decimal("1.00"), min_score=0, max_score=10)
    return cohort, a, b


def _scored(application, a, b, score_a, score_b):
    review = ReviewAssignmentFactory(application=application)
    return review_submit_scores(review=review, by=review.reviewer, scores={a.pk: score_a, b.pk: score_b})


def test_applications_ranked_weighted_score_normalises_ranges_and_weights(rubric):
    cohort, a, b = rubric
    application = SubmittedApplicationFactory(cohort=cohort)
    _scored(application, a, b, 5, 5)  # (2 * 1.0 + 1 * 0.5) / 3 = 83.33
    _scored(application, a, b, 3, 10)  # (2 * 0.5 + 1 * 1.0) / 3 = 66.67

    row = applications_ranked(cohort=cohort, criteria=[a, b]).get()

    assert row.reviews_completed == 2
    assert row.weighted_score == pytest.approx(75.0)
    assert row.score_max == pytest.approx(250 / 3)
    assert row.score_min == pytest.approx(200 / 3)
    assert row.score_spread == pytest.approx(50 / 3)
    assert row.needs_discussion is False
    assert getattr(row, f"criterion_{a.pk}") == pytest.approx(4.0)
    assert getattr(row, f"criterion_{b.pk}") == pytest.approx(7.5)


def test_applications_ranked_orders_by_score_and_flags_disagreement(rubric):
    cohort, a, b = rubric
    split = SubmittedApplicationFactory(cohort=cohort)
    _scored(split, a, b, 1, 0)  # 0
    _scored(split, a, b, 5, 10)  # 100
    strong = SubmittedApplicationFactory(cohort=cohort)
    _scored(strong, a, b, 5, 8)  # (2 + 0.8) / 3 = 93.33
    unscored = SubmittedApplicationFactory(cohort=cohort)
    ReviewAssignmentFactory(application=unscored)
    ApplicationFactory(cohort=cohort)  # a draft is not ranked

    rows = list(applications_ranked(cohort=cohort))

    assert [row.pk for row in rows] == [strong.pk, split.pk, unscored.pk]
    assert [row.rank for row in rows][:2] == [1, 2]
    assert rows[1].weighted_score == pytest.approx(50.0)
    assert rows[1].score_spread == pytest.approx(100.0)
    assert rows[1].score_spread >= DISAGREEMENT_THRESHOLD
    assert rows[1].needs_discussion is True
    assert rows[0].needs_discussion is False  # one review: no disagreement to speak of
    assert rows[0].score_spread is None
    assert rows[2].weighted_score is None
    assert (rows[2].reviews_assigned, rows[2].reviews_completed) == (1, 0)


def test_applications_ranked_ignores_pending_and_conflicted_reviews(rubric):
    cohort, a, b = rubric
    application = SubmittedApplicationFactory(cohort=cohort)
    _scored(application, a, b, 5, 10)
    ReviewAssignmentFactory(application=application)
    conflicted = ReviewAssignmentFactory(application=application)
    review_declare_conflict(review=conflicted, reason="ทำงานองค์กรเดียวกัน", by=conflicted.reviewer)

    row = applications_ranked(cohort=cohort).get()

    assert row.weighted_score == pytest.approx(100.0)
    assert (row.reviews_assigned, row.reviews_completed, row.reviews_conflict) == (3, 1, 1)


def test_review_submit_scores_replaces_earlier_scores(rubric):
    cohort, a, b = rubric
    review = ReviewAssignmentFactory(application=SubmittedApplicationFactory(cohort=cohort))
    review_submit_scores(review=review, by=review.reviewer, scores={a.pk: 2, b.pk: 2}, comments={a.pk: "พอใช้"})

    review_submit_scores(review=review, by=review.reviewer, scores={a.pk: 4, b.pk: 9}, comment="ดีมาก")

    review.refresh_from_db()
    assert review.state == ReviewState.COMPLETED
    assert review.comment == "ดีมาก"
    assert review.completed_at is not None
    assert dict(Score.objects.filter(review=review).values_list("criterion_id", "score")) == {a.pk: 4, b.pk: 9}


def test_review_submit_scores_refuses_missing_or_out_of_range_scores(rubric):
    cohort, a, b = rubric
    review = ReviewAssignmentFactory(application=SubmittedApplicationFactory(cohort=cohort))

    with pytest.raises(ValidationError) as error:
        review_submit_scores(review=review, by=review.reviewer, scores={a.pk: 6})

    assert set(error.value.message_dict) == {f"score_{a.pk}", f"score_{b.pk}"}
    assert Score.objects.count() == 0


def test_review_submit_scores_refuses_someone_else(rubric):
    cohort, a, b = rubric
    review = ReviewAssignmentFactory(application=SubmittedApplicationFactory(cohort=cohort))

    with pytest.raises(ValidationError):
        review_submit_scores(review=review, by=UserFactory(), scores={a.pk: 3, b.pk: 3})

    assert Score.objects.count() == 0


def test_review_declare_conflict_removes_scores_and_blocks_scoring(rubric):
    cohort, a, b = rubric
    review = ReviewAssignmentFactory(application=SubmittedApplicationFactory(cohort=cohort))
    review_submit_scores(review=review, by=review.reviewer, scores={a.pk: 3, b.pk: 3})

    review_declare_conflict(review=review, reason="เป็นกรรมการมูลนิธินี้", by=review.reviewer)

    review.refresh_from_db()
    assert review.state == ReviewState.CONFLICT
    assert review.conflict_reason == "เป็นกรรมการมูลนิธินี้"
    assert review.scores.count() == 0
    with pytest.raises(ValidationError):
        review_submit_scores(review=review, by=review.reviewer, scores={a.pk: 3, b.pk: 3})


def test_review_declare_conflict_needs_a_reason():
    review = ReviewAssignmentFactory()

    with pytest.raises(ValidationError):
        review_declare_conflict(review=review, reason="  ", by=review.reviewer)

    review.refresh_from_db()
    assert review.state == ReviewState.PENDING


def test_review_assign_moves_submitted_to_under_review_with_history():
    staff = StaffFactory()
    application = SubmittedApplicationFactory()
    reviewer = UserFactory()

    review = review_assign(application=application, reviewer=reviewer, by=staff)
    again = review_assign(application=application, reviewer=reviewer, by=staff)

    application.refresh_from_db()
    assert again.pk == review.pk
    assert ReviewAssignment.objects.filter(application=application).count() == 1
    assert review.assigned_by == staff
    assert application.status == ApplicationStatus.UNDER_REVIEW
    latest = application.history.order_by("-history_date", "-history_id").first()
    assert (latest.status, latest.history_user) == (ApplicationStatus.UNDER_REVIEW, staff)


@pytest.mark.parametrize("status", [ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN, ApplicationStatus.ACCEPTED])
def test_review_assign_refuses_applications_not_in_review(status):
    application = ApplicationFactory(status=status)

    with pytest.raises(ValidationError):
        review_assign(application=application, reviewer=UserFactory(), by=StaffFactory())

    assert ReviewAssignment.objects.count() == 0


def test_review_assign_refuses_the_applicant_as_reviewer():
    application = SubmittedApplicationFactory()

    with pytest.raises(ValidationError):
        review_assign(application=application, reviewer=application.applicant, by=StaffFactory())

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_reviews_for_reviewer_hides_withdrawn_and_others():
    reviewer = UserFactory()
    mine = ReviewAssignmentFactory(reviewer=reviewer)
    withdrawn = ReviewAssignmentFactory(reviewer=reviewer)
    Application.objects.filter(pk=withdrawn.application_id).update(status=ApplicationStatus.WITHDRAWN)
    someone_elses = ReviewAssignmentFactory()

    assert [review.pk for review in reviews_for_reviewer(reviewer=reviewer)] == [mine.pk]
    from django.http import Http404

    with pytest.raises(Http404):
        review_get_for_reviewer(reviewer=reviewer, pk=someone_elses.pk)
    with pytest.raises(Http404):
        review_get_for_reviewer(reviewer=reviewer, pk=withdrawn.pk)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED),
        (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.ACCEPTED),
        (ApplicationStatus.SHORTLISTED, ApplicationStatus.ACCEPTED),
        (ApplicationStatus.SHORTLISTED, ApplicationStatus.WAITLISTED),
        (ApplicationStatus.WAITLISTED, ApplicationStatus.ACCEPTED),
        (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.REJECTED),
    ],
)
def test_application_decide_allowed_transitions(before, after):
    staff = StaffFactory()
    application = SubmittedApplicationFactory(status=before)

    application_decide(application=application, status=after, by=staff)

    application.refresh_from_db()
    assert application.status == after
    assert application.decided_at is not None
    latest = application.history.order_by("-history_date", "-history_id").first()
    assert (latest.status, latest.history_user) == (after, staff)
    assert OutboundEmail.objects.filter(key=f"decision:{application.pk}:{after}").count() == 1


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (ApplicationStatus.DRAFT, ApplicationStatus.ACCEPTED),
        (ApplicationStatus.WITHDRAWN, ApplicationStatus.REJECTED),
        (ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED),
        (ApplicationStatus.REJECTED, ApplicationStatus.ACCEPTED),
        (ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN),
        (ApplicationStatus.SUBMITTED, ApplicationStatus.DRAFT),
    ],
)
def test_application_decide_refused_transitions_change_nothing(before, after):
    application = ApplicationFactory(status=before)
    history_before = application.history.count()

    with pytest.raises(DecisionRefused):
        application_decide(application=application, status=after, by=StaffFactory())

    application.refresh_from_db()
    assert application.status == before
    assert application.history.count() == history_before
    assert OutboundEmail.objects.count() == 0
    assert Participant.objects.count() == 0


def test_application_decide_accept_creates_one_participant_with_role_and_organisation():
    cohort = CohortFactory()
    track = TrackFactory(cohort=cohort, kind=TrackKind.INTRAPRENEUR)
    organisation = OrganisationFactory()
    application = SubmittedApplicationFactory(cohort=cohort, track=track, organisation=organisation)
    staff = StaffFactory()

    application_decide(application=application, status=ApplicationStatus.ACCEPTED, by=staff)
    participant_create_from_application(application=Application.objects.get(pk=application.pk), by=staff)

    participant = Participant.objects.get()
    assert participant.cohort == cohort
    assert participant.user == application.applicant
    assert participant.role == ParticipantRole.INTRAPRENEUR
    assert participant.organisation == organisation
    assert participant.application_id == application.pk


def test_application_decide_queues_email_once_per_key_in_the_applicants_language():
    english = SubmittedApplicationFactory(applicant=UserFactory(preferred_language="en"))
    thai = SubmittedApplicationFactory(applicant=UserFactory(preferred_language="th"))
    EmailTemplate.objects.create(
        name="cohorts/decision_shortlisted",
        language="th",
        subject="ผ่านการคัดเลือกรอบแรก {{ cohort.name }}",
        body_text="เรียน {{ applicant.get_full_name }}",
    )
    staff = StaffFactory()

    for application in (english, thai):
        application_decide(application=application, status=ApplicationStatus.SHORTLISTED, by=staff)
        application_decide(application=application, status=ApplicationStatus.SHORTLISTED, by=staff)

    sent_en = OutboundEmail.objects.get(key=f"decision:{english.pk}:shortlisted")
    sent_th = OutboundEmail.objects.get(key=f"decision:{thai.pk}:shortlisted")
    assert OutboundEmail.objects.count() == 2
    assert (sent_en.language, sent_en.to, sent_en.template) == (
        "en",
        english.applicant.email,
        "cohorts/decision_shortlisted",
    )
    assert sent_en.subject.startswith("You are shortlisted for")
    assert english.applicant.full_name in sent_en.body_text
    assert sent_en.body_html
    assert sent_th.language == "th"
    assert sent_th.subject == f"ผ่านการคัดเลือกรอบแรก {thai.cohort.name}"
    assert sent_th.state in {EmailState.QUEUED, EmailState.SENT}


def test_application_decide_each_status_has_its_email(django_capture_on_commit_callbacks):
    staff = StaffFactory()
    subjects = {}
    for status in ("shortlisted", "accepted", "waitlisted", "rejected"):
        application = SubmittedApplicationFactory(applicant=UserFactory(preferred_language="en"))
        with django_capture_on_commit_callbacks(execute=True):
            application_decide(application=application, status=status, by=staff)
        subjects[status] = OutboundEmail.objects.get(key=f"decision:{application.pk}:{status}").subject

    assert len(set(subjects.values())) == 4
    assert subjects["accepted"].startswith("Welcome to")


def test_application_decide_same_status_twice_changes_nothing():
    application = SubmittedApplicationFactory(status=ApplicationStatus.SHORTLISTED)
    history_before = application.history.count()

    application_decide(application=application, status=ApplicationStatus.SHORTLISTED, by=StaffFactory())

    assert application.history.count() == history_before
    assert OutboundEmail.objects.count() == 0


def test_applications_decide_bulk_decides_all():
    staff = StaffFactory()
    applications = [SubmittedApplicationFactory() for _ in range(3)]
    already = SubmittedApplicationFactory(status=ApplicationStatus.REJECTED)
    waiting = SubmittedApplicationFactory(status=ApplicationStatus.WAITLISTED)

    result = applications_decide_bulk(
        applications=[*applications, waiting], status=ApplicationStatus.REJECTED, by=staff
    )

    assert sorted(a.pk for a in result.changed) == sorted(a.pk for a in [*applications, waiting])
    assert set(Application.objects.values_list("status", flat=True)) == {ApplicationStatus.REJECTED}
    assert OutboundEmail.objects.filter(key__startswith="decision:").count() == 4
    assert not OutboundEmail.objects.filter(key=f"decision:{already.pk}:rejected").exists()


def test_applications_decide_bulk_accept_makes_participants():
    applications = [SubmittedApplicationFactory() for _ in range(3)]

    applications_decide_bulk(applications=applications, status=ApplicationStatus.ACCEPTED, by=StaffFactory())

    assert sorted(Participant.objects.values_list("user_id", flat=True)) == sorted(a.applicant_id for a in applications)
    assert set(Participant.objects.values_list("role", flat=True)) == {ParticipantRole.ORGANISATION_LEADER}


def test_applications_decide_bulk_with_a_draft_or_withdrawn_changes_nothing():
    submitted = SubmittedApplicationFactory()
    draft = ApplicationFactory()
    withdrawn = ApplicationFactory(status=ApplicationStatus.WITHDRAWN)

    with pytest.raises(DecisionRefused) as error:
        applications_decide_bulk(
            applications=[submitted, draft, withdrawn], status=ApplicationStatus.ACCEPTED, by=StaffFactory()
        )

    assert sorted(a.pk for a in error.value.refused) == sorted([draft.pk, withdrawn.pk])
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED
    assert OutboundEmail.objects.count() == 0
    assert Participant.objects.count() == 0


def test_participant_create_from_application_refuses_unaccepted():
    with pytest.raises(ValidationError):
        participant_create_from_application(application=SubmittedApplicationFactory())


def test_staff_grant_program_role_gives_staff_group_and_program():
    program = ProgramFactory()
    user = UserFactory()

    staff_grant_program_role(user=user, program=program)
    staff_grant_program_role(user=user, program=program)

    user.refresh_from_db()
    assert user.is_staff is True
    assert list(program.staff.all()) == [user]
    assert list(user.groups.values_list("name", flat=True)) == [PROGRAM_STAFF_GROUP]
    assert Group.objects.filter(name=PROGRAM_STAFF_GROUP).count() == 1
    assert user.has_perm("cohorts.change_application")
    assert user.has_perm("cohorts.view_reviewassignment")
    assert not user.has_perm("cohorts.delete_application")
    assert not user.has_perm("cohorts.change_program")


# Bulk reviewer assignment ----------------------------------------------------------------------


def test_reviews_assign_bulk_assigns_every_pair_and_keeps_existing_ones():
    staff = StaffFactory()
    cohort = CohortFactory()
    first, second = SubmittedApplicationFactory(cohort=cohort), SubmittedApplicationFactory(cohort=cohort)
    anna, ben = UserFactory(), UserFactory()
    kept = review_assign(application=first, reviewer=anna, by=staff)

    result = reviews_assign_bulk(applications=[first, second], reviewers=[anna, ben], by=staff)

    assert [review.pk for review in result.existing] == [kept.pk]
    assert len(result.created) == 3
    assert set(ReviewAssignment.objects.values_list("application_id", "reviewer_id")) == {
        (first.pk, anna.pk),
        (first.pk, ben.pk),
        (second.pk, anna.pk),
        (second.pk, ben.pk),
    }
    second.refresh_from_db()
    assert second.status == ApplicationStatus.UNDER_REVIEW
    latest = second.history.order_by("-history_date", "-history_id").first()
    assert (latest.status, latest.history_user) == (ApplicationStatus.UNDER_REVIEW, staff)


@pytest.mark.parametrize("status", [ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN, ApplicationStatus.ACCEPTED])
def test_reviews_assign_bulk_refuses_all_when_one_cannot_be_reviewed(status):
    cohort = CohortFactory()
    fine = SubmittedApplicationFactory(cohort=cohort)
    blocked = ApplicationFactory(cohort=cohort, status=status)

    with pytest.raises(AssignmentRefused) as refused:
        reviews_assign_bulk(applications=[fine, blocked], reviewers=[UserFactory()], by=StaffFactory())

    assert refused.value.refused == [blocked]
    assert ReviewAssignment.objects.count() == 0
    fine.refresh_from_db()
    assert fine.status == ApplicationStatus.SUBMITTED


def test_reviews_assign_bulk_refuses_the_applicant_as_their_own_reviewer():
    application = SubmittedApplicationFactory()

    with pytest.raises(AssignmentRefused):
        reviews_assign_bulk(applications=[application], reviewers=[application.applicant], by=StaffFactory())

    assert ReviewAssignment.objects.count() == 0


def test_migrate_brings_an_existing_program_staff_group_up_to_date():
    from cohorts.apps import _refresh_program_staff_group

    group = Group.objects.create(name=PROGRAM_STAFF_GROUP)  # as an older release left it: no permissions

    _refresh_program_staff_group(sender=None)

    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert {("cohorts", "add_cohort"), ("incubator", "view_outboundemail"), ("incubator", "change_outboundemail")} <= (
        codenames
    )


def test_migrate_creates_no_program_staff_group_where_there_is_none():
    from cohorts.apps import _refresh_program_staff_group

    _refresh_program_staff_group(sender=None)

    assert not Group.objects.filter(name=PROGRAM_STAFF_GROUP).exists()


def test_program_staff_group_carries_the_permissions_the_apps_above_register():
    user = StaffFactory()
    program = ProgramFactory()

    staff_grant_program_role(user=user, program=program)

    assert user.has_perm("workshops.change_session")
    assert user.has_perm("coaching.view_visit")
    assert not user.has_perm("coaching.delete_visit")
