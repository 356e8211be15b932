"""Reads for the applicant's pages: open calls, one call, the applicant's own applications.

Applications are scoped to their applicant: anyone else gets a 404 (reviewers and staff
work in their own pages and in the admin), so an id reveals nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from cohorts.enums import ApplicationStatus, CohortStatus
from cohorts.models import Answer, Application, Cohort, Question, Track
from cohorts.rules import is_program_staff
from cohorts.selectors.calls import cohorts_open_calls
from cohorts.selectors.deadlines import with_extended_until

_TRACKS = Prefetch("tracks", queryset=Track.objects.order_by("pk"))


def calls_open_with_tracks(*, at: datetime | None = None) -> QuerySet[Cohort]:
    """Open calls, soonest deadline first, with program and tracks: two queries for any number."""
    return cohorts_open_calls(at=at).prefetch_related(_TRACKS)


def cohort_get_call(*, slug: str, user=None) -> Cohort:
    """A cohort's public call page. Draft cohorts are visible only to their program's staff
    (to preview); 404 for everyone else."""
    cohort = Cohort.objects.select_related("program").prefetch_related(_TRACKS).filter(slug=slug).first()
    if cohort is None:
        raise Http404("No such call.")
    if cohort.status == CohortStatus.DRAFT and not (user is not None and is_program_staff(user, cohort)):
        raise Http404("No such call.")
    return cohort


def application_for_cohort(*, cohort: Cohort, user) -> Application | None:
    """The user's application to this cohort, if they started one."""
    if not user.is_authenticated:
        return None
    return Application.objects.filter(cohort=cohort, applicant=user).select_related("cohort").first()


def application_get_for_user(user, pk: int) -> Application:
    """The user's own application `pk` with its cohort, program, track and organisation;
    404 if it is someone else's or does not exist."""
    if not user.is_authenticated:
        raise Http404("No such application.")
    application = (
        Application.objects.select_related("cohort__program", "track", "organisation", "phase")
        .filter(pk=pk, applicant=user)
        .first()
    )
    if application is None:
        raise Http404("No such application.")
    return application


def applications_for_applicant(user) -> QuerySet[Application]:
    """The user's applications, newest first, with what the list shows (their own deadline
    extensions included): one query."""
    if not user.is_authenticated:
        return Application.objects.none()
    return with_extended_until(
        Application.objects.filter(applicant=user)
        .select_related("cohort__program", "track", "organisation", "phase")
        .order_by("-created_at", "-pk")
    )


def application_questions(*, application: Application) -> list[Question]:
    """The cohort's own questions for this application's track, in order.

    One query: a view reads them once and hands them to the form and the services."""
    return list(
        Question.objects.filter(cohort_id=application.cohort_id)
        .filter(Q(track__isnull=True) | Q(track_id=application.track_id))
        .order_by("order", "pk")
    )


def application_answers(*, application: Application) -> dict[int, Answer]:
    """The application's answers keyed by question id."""
    return {answer.question_id: answer for answer in Answer.objects.filter(application=application)}


def application_answer_for_user(user, *, pk: int, question_id: int) -> Answer:
    """One answer of the user's own application (for downloading its file); 404 otherwise."""
    application = application_get_for_user(user, pk)
    answer = Answer.objects.filter(application=application, question_id=question_id).select_related("question")
    found = answer.first()
    if found is None or not found.file:
        raise Http404("No such file.")
    return found


@dataclass(frozen=True)
class StatusChange:
    status: str
    label: str
    at: datetime


def application_status_history(*, application: Application) -> list[StatusChange]:
    """Each change of status, oldest first, from the application's history."""
    rows = application.history.order_by("history_date", "history_id").values_list("status", "history_date")
    labels = dict(ApplicationStatus.choices)
    changes: list[StatusChange] = []
    for status, at in rows:
        if changes and changes[-1].status == status:
            continue
        changes.append(StatusChange(status=status, label=str(labels.get(status, status)), at=at))
    return changes
