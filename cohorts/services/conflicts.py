"""A replacement after a declared conflict of interest, and the alert to the program's staff.

When a reviewer declares a conflict (`cohorts.services.reviews.review_declare_conflict`), the
program's staff are emailed in the same transaction, once per review and staff member (the
outbox key `review-conflict:<review>:<person>`), with the proposed replacement: the eligible
reviewer of the phase with the lowest load there, then the best fit. Eligible means the same
blocks as automatic assignment (`cohorts.services.assignment`: never a declared conflict, the
applicant, the same organisation or a forbidden pair), not already on the application in the
phase, and below the phase's maximum. `review_replace` assigns one of them (one click on the
staff page) and emails them once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cohorts.access import program_staff_ids
from cohorts.enums import ApplicationStatus, ReviewState
from cohorts.models import Application, ReviewAssignment, ReviewerExpertise
from cohorts.services.assignment import (
    application_submission,
    blocks_of,
    expertise_reviewer,
    reasons_of,
    reviews_assigned_mail,
)
from cohorts.services.selection import REVIEWABLE_STATUSES, application_lock, application_set_status
from incubator.assignment import review_fit
from incubator.mail import message_key, queue_mail


@dataclass(frozen=True)
class Candidate:
    user: object
    load: int
    score: float
    reasons: list


def replacement_candidates(*, review: ReviewAssignment) -> list[Candidate]:
    """The eligible reviewers who could take `review`'s application in its phase, best first:
    lowest load in the phase, then best fit. The same blocks as a proposal; a reviewer at
    the phase's maximum or already on the application in the phase is left out."""
    application = Application.objects.select_related("track", "organisation", "applicant", "cohort").get(
        pk=review.application_id
    )
    phase = review.phase
    user_model = get_user_model()
    if phase is not None:
        pool = phase.reviewers.filter(is_active=True)
        in_scope = ReviewAssignment.objects.filter(phase=phase)
    else:
        pool = user_model.objects.filter(
            is_active=True, reviews__application__cohort_id=application.cohort_id, reviews__phase__isnull=True
        ).distinct()
        in_scope = ReviewAssignment.objects.filter(application__cohort_id=application.cohort_id, phase__isnull=True)
    taken = set(in_scope.filter(application=application).values_list("reviewer_id", flat=True))
    users = [user for user in pool.order_by("pk") if user.pk not in taken]
    ids = [user.pk for user in users]
    expertise = {row.user_id: row for row in ReviewerExpertise.objects.filter(user__in=ids)}
    blocked = blocks_of(phase=phase, applications=[application], reviewer_ids=ids, expertise=expertise)
    loads = Counter(
        in_scope.filter(reviewer__in=ids).exclude(state=ReviewState.CONFLICT).values_list("reviewer_id", flat=True)
    )
    limit = phase.max_reviews_per_reviewer if phase is not None else None
    submission = application_submission(application)
    candidates = []
    for user in users:
        if (user.pk, application.pk) in blocked or (limit is not None and loads[user.pk] >= limit):
            continue
        score, reasons = review_fit(expertise_reviewer(user.pk, expertise.get(user.pk)), submission)
        candidates.append(Candidate(user=user, load=loads[user.pk], score=score, reasons=reasons_of(reasons)))
    candidates.sort(key=lambda c: (c.load, -c.score, c.user.pk))
    return candidates


def _staff_of(program) -> list:
    ids = program_staff_ids(program=program)
    user_model = get_user_model()
    staff = list(user_model.objects.filter(pk__in=ids, is_active=True).order_by("pk"))
    return staff or list(user_model.objects.filter(is_superuser=True, is_active=True).order_by("pk"))


def review_conflict_alert(*, review: ReviewAssignment) -> int:
    """Email the program's staff, once per review, that its reviewer declared a conflict, with
    the proposed replacement (or that there is none). Call in the declaring transaction."""
    review = ReviewAssignment.objects.select_related(
        "application__cohort__program", "application__applicant", "phase", "reviewer"
    ).get(pk=review.pk)
    candidates = replacement_candidates(review=review)
    best = candidates[0] if candidates else None
    program = review.application.cohort.program
    staff = _staff_of(program)
    for person in staff:
        queue_mail(
            key=message_key("review-conflict", review.pk, person.pk),
            to=person.email,
            user=person,
            template="cohorts/review_conflict",
            context={
                "name": person.get_full_name() or person.email,
                "reviewer": review.reviewer.get_full_name() or review.reviewer.email,
                "application": str(review.application),
                "phase": review.phase,
                "cohort": review.application.cohort,
                "program": program,
                "replacement": (best.user.get_full_name() or best.user.email) if best else "",
                "replacement_load": best.load if best else 0,
                "replace_url": reverse("cohorts:review_replace", kwargs={"pk": review.pk}),
            },
            related=review,
        )
    return len(staff)


def review_replace(*, review: ReviewAssignment, reviewer, by) -> ReviewAssignment:
    """Assign `reviewer` (one of `replacement_candidates`) in place of a conflicted review,
    and email them the application once."""
    if review.state != ReviewState.CONFLICT:
        raise ValidationError(_("This review has no declared conflict."), code="no_conflict")
    if reviewer.pk not in {candidate.user.pk for candidate in replacement_candidates(review=review)}:
        raise ValidationError({"reviewer": _("That person cannot take this application (see the rules above).")})
    with transaction.atomic():
        application = application_lock(review.application)
        if application.status not in REVIEWABLE_STATUSES:
            raise ValidationError(
                _("%(application)s is %(status)s: reviewers can only be assigned to handed-in applications.")
                % {"application": application, "status": application.get_status_display()},
                code="not_reviewable",
            )
        new, _created = ReviewAssignment.objects.get_or_create(
            application=application,
            reviewer=reviewer,
            phase=review.phase,
            defaults={"assigned_by": by, "assigned_at": timezone.now()},
        )
        if application.status == ApplicationStatus.SUBMITTED:
            application_set_status(
                application=application, status=ApplicationStatus.UNDER_REVIEW, by=by, update_fields=[]
            )
        if review.phase is not None:
            new.application = application
            reviews_assigned_mail(
                reviewer=reviewer,
                phase=review.phase,
                reviews=[new],
                key=message_key("review-replacement", review.pk, reviewer.pk),
            )
    return new
