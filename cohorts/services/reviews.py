"""Reviewing: assigning reviewers (one or in bulk), scoring against the cohort's rubric and
declaring a conflict of interest. Assigning a reviewer to a submitted application moves it to
"under review", recorded in its history with the person who did it.

Decisions live in `cohorts.services.decisions`, the program-staff role in
`cohorts.services.staff` (both re-exported here for callers written before the split).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cohorts.enums import ApplicationStatus, ReviewState
from cohorts.models import Application, Phase, ReviewAssignment, Score
from cohorts.selectors.phases import criteria_for_phase
from cohorts.services.conflicts import review_conflict_alert
from cohorts.services.decisions import (  # noqa: F401  (re-exported)
    BulkDecision,
    DecisionRefused,
    application_decide,
    applications_decide_bulk,
    decision_refusal,
    participant_create_from_application,
)
from cohorts.services.selection import (  # noqa: F401  (re-exported)
    DECIDABLE_STATUSES,
    REVIEWABLE_STATUSES,
    application_lock,
    application_set_status,
    applications_lock,
)
from cohorts.services.staff import (  # noqa: F401  (re-exported)
    PROGRAM_STAFF_GROUP,
    PROGRAM_STAFF_PERMISSIONS,
    program_staff_group,
    staff_grant_program_role,
)


def review_assign(*, application: Application, reviewer, by, phase: Phase | None = None) -> ReviewAssignment:
    """Assign `reviewer` to `application` in `phase` (None: a cohort without phases),
    idempotently. A submitted application moves to under review."""
    if not reviewer.is_active:
        raise ValidationError(_("%(person)s cannot review: the account is inactive.") % {"person": reviewer})
    with transaction.atomic():
        locked = application_lock(application)
        if locked.status not in REVIEWABLE_STATUSES:
            raise ValidationError(
                _("%(application)s is %(status)s: reviewers can only be assigned to handed-in applications.")
                % {"application": locked, "status": locked.get_status_display()},
                code="not_reviewable",
            )
        if locked.applicant_id == reviewer.pk:
            raise ValidationError(
                _("%(person)s cannot review their own application.") % {"person": reviewer}, code="own_application"
            )
        if phase is not None and phase.cohort_id != locked.cohort_id:
            raise ValidationError(_("That phase belongs to another call."), code="wrong_phase")
        review, created = ReviewAssignment.objects.get_or_create(
            application=locked,
            reviewer=reviewer,
            phase=phase,
            defaults={"assigned_by": by, "assigned_at": timezone.now()},
        )
        if locked.status == ApplicationStatus.SUBMITTED:
            application_set_status(application=locked, status=ApplicationStatus.UNDER_REVIEW, by=by, update_fields=[])
        application.status = locked.status
    return review


def review_declare_conflict(*, review: ReviewAssignment, reason: str, by) -> ReviewAssignment:
    """The reviewer declares a conflict of interest: the review leaves the ranking, any scores
    given are removed and the application's content is hidden from them from now on. The
    program's staff are emailed at once (once per review) with a proposed replacement."""
    if review.reviewer_id != by.pk:
        raise ValidationError(_("Only the assigned reviewer can declare a conflict of interest."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"conflict_reason": _("Please say briefly why you have a conflict of interest.")})
    with transaction.atomic():
        review = ReviewAssignment.objects.select_for_update().get(pk=review.pk)
        review.scores.all().delete()
        review.state = ReviewState.CONFLICT
        review.conflict_reason = reason
        review.completed_at = timezone.now()
        review.full_clean(exclude=["application", "reviewer", "assigned_by"])
        review.save(update_fields=["state", "conflict_reason", "completed_at"])
        review_conflict_alert(review=review)
    return review


def review_submit_scores(
    *,
    review: ReviewAssignment,
    by,
    scores: Mapping[int, int],
    comments: Mapping[int, str] | None = None,
    comment: str = "",
) -> ReviewAssignment:
    """Score every criterion of the cohort's rubric (`scores` and `comments` keyed by criterion
    pk) and complete the review. Scoring again replaces the earlier scores."""
    comments = comments or {}
    if review.reviewer_id != by.pk:
        raise ValidationError(_("Only the assigned reviewer can score this application."))
    with transaction.atomic():
        review = (
            ReviewAssignment.objects.select_for_update(of=("self",))
            .select_related("application__cohort")
            .get(pk=review.pk)
        )
        if review.state == ReviewState.CONFLICT:
            raise ValidationError(_("You declared a conflict of interest for this application."), code="conflict")
        if review.application.status not in REVIEWABLE_STATUSES:
            raise ValidationError(
                _("This application is %(status)s; its reviews are closed.")
                % {"status": review.application.get_status_display()},
                code="closed",
            )
        criteria = criteria_for_phase(cohort=review.application.cohort, phase_id=review.phase_id)
        if not criteria:
            raise ValidationError(_("This cohort has no rubric yet."), code="no_rubric")
        errors = {}
        for criterion in criteria:
            value = scores.get(criterion.pk)
            if value is None:
                errors[f"score_{criterion.pk}"] = _("Give a score for %(criterion)s.") % {"criterion": criterion}
            elif not criterion.min_score <= int(value) <= criterion.max_score:
                errors[f"score_{criterion.pk}"] = _("Give a score from %(low)s to %(high)s.") % {
                    "low": criterion.min_score,
                    "high": criterion.max_score,
                }
        if errors:
            raise ValidationError(errors)

        existing = {score.criterion_id: score for score in review.scores.all()}
        to_create, to_update = [], []
        for criterion in criteria:
            score = existing.pop(criterion.pk, None) or Score(review=review, criterion=criterion)
            score.score = int(scores[criterion.pk])
            score.comment = (comments.get(criterion.pk) or "").strip()
            score.full_clean(exclude=["review", "criterion"], validate_unique=False, validate_constraints=False)
            (to_update if score.pk else to_create).append(score)
        Score.objects.bulk_create(to_create)
        Score.objects.bulk_update(to_update, ["score", "comment"])
        if existing:  # scores of criteria no longer in the rubric
            Score.objects.filter(pk__in=[score.pk for score in existing.values()]).delete()

        review.state = ReviewState.COMPLETED
        review.comment = (comment or "").strip()
        review.completed_at = timezone.now()
        review.full_clean(exclude=["application", "reviewer", "assigned_by"])
        review.save(update_fields=["state", "comment", "completed_at"])
    return review


class AssignmentRefused(ValidationError):
    """Some applications cannot take reviewers; `refused` lists them. Nothing was changed."""

    def __init__(self, message, refused: Sequence[Application] = ()):
        super().__init__(message, code="assignment_refused")
        self.refused = list(refused)


@dataclass
class BulkAssignment:
    created: list[ReviewAssignment] = field(default_factory=list)
    existing: list[ReviewAssignment] = field(default_factory=list)


def reviews_assign_bulk(
    *, applications: Iterable[Application], reviewers: Sequence, by, phase: Phase | None = None
) -> BulkAssignment:
    """Assign every one of `reviewers` to every application, all or nothing (the admin's
    "Assign reviewers" action). Assignments that already exist are kept; submitted
    applications move to under review. If an application cannot take reviewers (a draft, a
    decided or withdrawn one) or a reviewer is its applicant or inactive, AssignmentRefused
    says which and nothing changes."""
    pks = sorted({application.pk for application in applications})
    reviewers = sorted({reviewer.pk: reviewer for reviewer in reviewers}.values(), key=lambda user: user.pk)
    if not reviewers:
        raise AssignmentRefused(_("Choose at least one reviewer."))
    inactive = [reviewer for reviewer in reviewers if not reviewer.is_active]
    if inactive:
        raise AssignmentRefused(
            _("%(person)s cannot review: the account is inactive.") % {"person": inactive[0]}
            + " "
            + gettext("Nothing was changed.")
        )
    result = BulkAssignment()
    with transaction.atomic():
        locked = applications_lock(pks)
        refused = [application for application in locked if application.status not in REVIEWABLE_STATUSES]
        if refused:
            raise AssignmentRefused(
                gettext("Reviewers can only be assigned to handed-in applications still being decided: %(names)s.")
                % {"names": "; ".join(f"{a} ({a.get_status_display()})" for a in refused)}
                + " "
                + gettext("Nothing was changed."),
                refused=refused,
            )
        reviewer_pks = {reviewer.pk for reviewer in reviewers}
        own = [application for application in locked if application.applicant_id in reviewer_pks]
        if own:
            raise AssignmentRefused(
                _("%(person)s cannot review their own application.") % {"person": own[0].applicant}
                + " "
                + gettext("Nothing was changed."),
                refused=own,
            )
        if phase is not None and any(application.cohort_id != phase.cohort_id for application in locked):
            raise AssignmentRefused(_("That phase belongs to another call.") + " " + gettext("Nothing was changed."))
        existing = {
            (review.application_id, review.reviewer_id): review
            for review in ReviewAssignment.objects.filter(application__in=locked, reviewer__in=reviewers, phase=phase)
        }
        now = timezone.now()
        to_create = []
        for application in locked:
            for reviewer in reviewers:
                review = existing.get((application.pk, reviewer.pk))
                if review is not None:
                    result.existing.append(review)
                else:
                    to_create.append(
                        ReviewAssignment(
                            application=application, reviewer=reviewer, phase=phase, assigned_by=by, assigned_at=now
                        )
                    )
        result.created = ReviewAssignment.objects.bulk_create(to_create)
        for application in locked:
            if application.status == ApplicationStatus.SUBMITTED:
                application_set_status(
                    application=application, status=ApplicationStatus.UNDER_REVIEW, by=by, update_fields=[]
                )
    return result
