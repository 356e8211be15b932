"""Selection: reviewer assignment, scoring, conflicts of interest, decisions, participants and
the program-staff role. Every change of an application's status is recorded in its history
with the person who made it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cohorts.access import program_staff_add
from cohorts.enums import DECISION_STATUSES, ROLE_FOR_TRACK, ApplicationStatus, ReviewState
from cohorts.models import Application, Participant, Program, ReviewAssignment, Score
from incubator.mail import queue_mail

# Statuses from which staff may take a decision, and in which reviewers may be assigned and score.
DECIDABLE_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.WAITLISTED,
)
REVIEWABLE_STATUSES = DECIDABLE_STATUSES

PROGRAM_STAFF_GROUP = "Program staff"
# Model permissions (app "cohorts") the "Program staff" group carries. What a member sees is
# further limited to the programs they run (Program.staff), in the admin and on staff pages.
PROGRAM_STAFF_PERMISSIONS = (
    "view_program",
    "view_cohort",
    "change_cohort",
    "view_track",
    "add_track",
    "change_track",
    "delete_track",
    "view_question",
    "add_question",
    "change_question",
    "delete_question",
    "view_criterion",
    "add_criterion",
    "change_criterion",
    "delete_criterion",
    "view_organisation",
    "change_organisation",
    "view_application",
    "change_application",
    "view_answer",
    "view_reviewassignment",
    "delete_reviewassignment",
    "view_score",
    "view_participant",
    "change_participant",
    "view_deadlinereminder",
)


def _lock(application: Application) -> Application:
    """The application's row, locked for the rest of the transaction, with what mail needs."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("cohort__program", "track", "applicant", "organisation")
        .get(pk=application.pk)
    )


def _set_status(*, application: Application, status: str, by, update_fields: list[str]) -> None:
    application.status = status
    application.full_clean(exclude=[f.name for f in Application._meta.fields if f.name != "status"])
    application._history_user = by
    application.save(update_fields=["status", "updated_at", *update_fields])


# Reviewers ---------------------------------------------------------------------------------


def review_assign(*, application: Application, reviewer, by) -> ReviewAssignment:
    """Assign `reviewer` to `application` (idempotent). A submitted application moves to
    under review."""
    if not reviewer.is_active:
        raise ValidationError(_("%(person)s cannot review: the account is inactive.") % {"person": reviewer})
    with transaction.atomic():
        locked = _lock(application)
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
        review, created = ReviewAssignment.objects.get_or_create(
            application=locked, reviewer=reviewer, defaults={"assigned_by": by, "assigned_at": timezone.now()}
        )
        if locked.status == ApplicationStatus.SUBMITTED:
            _set_status(application=locked, status=ApplicationStatus.UNDER_REVIEW, by=by, update_fields=[])
        application.status = locked.status
    return review


def review_declare_conflict(*, review: ReviewAssignment, reason: str, by) -> ReviewAssignment:
    """The reviewer declares a conflict of interest: the review leaves the ranking, any scores
    given are removed and the application's content is hidden from them from now on."""
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
        review = ReviewAssignment.objects.select_for_update().select_related("application").get(pk=review.pk)
        if review.state == ReviewState.CONFLICT:
            raise ValidationError(_("You declared a conflict of interest for this application."), code="conflict")
        if review.application.status not in REVIEWABLE_STATUSES:
            raise ValidationError(
                _("This application is %(status)s; its reviews are closed.")
                % {"status": review.application.get_status_display()},
                code="closed",
            )
        criteria = list(review.application.cohort.criteria.all())
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


# Decisions ---------------------------------------------------------------------------------


class DecisionRefused(ValidationError):
    """Some applications cannot take the decision; `refused` lists them. Nothing was changed."""

    def __init__(self, message, refused: list[Application]):
        super().__init__(message, code="decision_refused")
        self.refused = refused


@dataclass
class BulkDecision:
    status: str
    changed: list[Application] = field(default_factory=list)
    unchanged: list[Application] = field(default_factory=list)


def decision_refusal(*, application: Application, status: str) -> str | None:
    """Why `application` cannot take the decision `status`, or None if it can."""
    if status not in DECISION_STATUSES:
        return gettext("“%(status)s” is not a decision.") % {"status": status}
    if application.status not in DECIDABLE_STATUSES:
        return gettext("%(application)s is %(status)s and cannot be decided.") % {
            "application": application,
            "status": application.get_status_display(),
        }
    return None


def _application_url(application: Application) -> str:
    try:
        path = application.get_absolute_url()
    except NoReverseMatch:  # the applicant pages are not installed
        path = "/"
    return f"{settings.SITE_URL}{path}"


def application_decide(*, application: Application, status: str, by) -> Application:
    """Take a staff decision (shortlisted, accepted, waitlisted, rejected) on a handed-in
    application: record it in history, make an accepted applicant a participant, and queue
    the decision email (once per application and status). Deciding the status an application
    already has changes nothing."""
    with transaction.atomic():
        locked = _lock(application)
        refusal = decision_refusal(application=locked, status=status)
        if refusal:
            raise DecisionRefused(refusal, refused=[locked])
        if locked.status != status:
            locked.decided_at = timezone.now()
            _set_status(application=locked, status=status, by=by, update_fields=["decided_at"])
            if status == ApplicationStatus.ACCEPTED:
                participant_create_from_application(application=locked, by=by)
            applicant = locked.applicant
            queue_mail(
                key=f"decision:{locked.pk}:{status}",
                to=applicant.email,
                template=f"cohorts/decision_{status}",
                context={
                    "application": locked,
                    "applicant": applicant,
                    "cohort": locked.cohort,
                    "program": locked.cohort.program,
                    "track": locked.track,
                    "application_url": _application_url(locked),
                },
                user=applicant,
                related=locked,
            )
    for name in ("status", "decided_at"):
        setattr(application, name, getattr(locked, name))
    return locked


def applications_decide_bulk(*, applications: Iterable[Application], status: str, by) -> BulkDecision:
    """Decide several applications at once, all or nothing: if any cannot take the decision
    (a draft, a withdrawn or an already accepted or rejected one), DecisionRefused names them
    and nothing changes."""
    pks = sorted({application.pk for application in applications})
    result = BulkDecision(status=status)
    with transaction.atomic():
        locked = list(
            Application.objects.select_for_update(of=("self",))
            .select_related("cohort__program", "track", "applicant", "organisation")
            .filter(pk__in=pks)
            .order_by("pk")
        )
        refused = [application for application in locked if decision_refusal(application=application, status=status)]
        if refused:
            raise DecisionRefused(
                gettext("These applications cannot be decided: %(names)s. Nothing was changed.")
                % {"names": "; ".join(str(application) for application in refused)},
                refused=refused,
            )
        for application in locked:
            if application.status == status:
                result.unchanged.append(application)
            else:
                result.changed.append(application_decide(application=application, status=status, by=by))
    return result


def participant_create_from_application(*, application: Application, by=None) -> Participant:
    """Make an accepted application's applicant a participant of its cohort, in the role of
    its track and with its organisation. Idempotent: one participant per person and cohort."""
    if application.status != ApplicationStatus.ACCEPTED:
        raise ValidationError(_("Only accepted applications make participants."), code="not_accepted")
    role = ROLE_FOR_TRACK[application.track.kind]
    participant, created = Participant.objects.get_or_create(
        cohort_id=application.cohort_id,
        user_id=application.applicant_id,
        defaults={
            "role": role,
            "organisation_id": application.organisation_id,
            "application": application,
            "is_active": True,
        },
    )
    if not created:
        changed = []
        if participant.application_id is None:
            participant.application = application
            changed.append("application")
        if participant.organisation_id is None and application.organisation_id:
            participant.organisation_id = application.organisation_id
            changed.append("organisation")
        if not participant.is_active:
            participant.is_active = True
            changed.append("is_active")
        if changed:
            participant.full_clean(validate_unique=False, validate_constraints=False)
            participant.save(update_fields=changed)
    return participant


# Staff -------------------------------------------------------------------------------------


def program_staff_group() -> Group:
    """The "Program staff" group with the cohorts model permissions program staff need."""
    group, _created = Group.objects.get_or_create(name=PROGRAM_STAFF_GROUP)
    permissions = Permission.objects.filter(content_type__app_label="cohorts", codename__in=PROGRAM_STAFF_PERMISSIONS)
    group.permissions.add(*permissions)
    return group


def staff_grant_program_role(*, user, program: Program, by=None) -> None:
    """Make `user` staff of `program`: a member of Program.staff, able to log in to the admin,
    in the "Program staff" group. They see only the programs they run."""
    with transaction.atomic():
        program_staff_add(program=program, user=user)
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        user.groups.add(program_staff_group())
    # Permissions are cached on the user object; the next request loads them afresh.
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)
