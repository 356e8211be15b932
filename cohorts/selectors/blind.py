"""What a reviewer is shown of an application's identity.

In a blind phase (`Phase.is_blind_now`) a reviewer knows an application only by its pseudonym:
a short code derived from the application's id with the site's secret, the same on every page,
file and email, and meaningless without the secret. Every place that names an application to a
reviewer goes through `application_label` (or `review_label` for one of their assignments).

Invariant: a reviewer's view of an application is blind when ANY of their own assignments to
it is in a phase that is blind now (`reviews_blind_annotation`, annotated as `blind` by the
reviewer selectors). A reviewer of an earlier, open round who also reviews the blind round
therefore sees the pseudonym on both entries, not the name on one and the code on the other.

Hidden from a blind reviewer:
- the applicant's name, email and phone (the user row): never rendered, the pseudonym stands
  in for `str(application)`;
- the standard fields in `IDENTIFYING_APPLICATION_FIELDS` and `IDENTIFYING_ORGANISATION_FIELDS`;
- the answers (and files) of questions marked `identifying`, and the files of questions marked
  `hidden_from_blind` (a 404, like a file that does not exist);
- original file names: a download is named `<pseudonym>-<question order>.<ext>`.

Staff never review blind: staff pages, the ranking and the admin show identities; blind is
for the review pages and for what is sent to reviewers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Sequence

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils.translation import gettext

from cohorts.access import program_ids_for_staff
from cohorts.enums import ReviewState
from cohorts.models import Answer, Application, Phase, Question, ReviewAssignment

# Standard fields of an application that name the person, their team or their workplace.
# `job_title`, skills, sectors, provinces and the free texts stay: they are what is reviewed.
IDENTIFYING_APPLICATION_FIELDS = frozenset({"team_name", "employer"})
# The organisation's name, web address and contact person name it; its kind, province, size,
# needs, focus areas and description are what is reviewed.
IDENTIFYING_ORGANISATION_FIELDS = frozenset({"name", "website", "contact_name", "contact_email", "contact_phone"})


def application_pseudonym(application: Application | int) -> str:
    """A stable code such as "K7Q2-M4XD" for the application (by id), without its identity."""
    pk = getattr(application, "pk", application)
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"cohorts.application-pseudonym:{pk}".encode(), hashlib.sha256
    ).digest()
    code = base64.b32encode(digest[:5]).decode()
    return f"{code[:4]}-{code[4:8]}"


def is_blind_for_reviewer(phase: Phase | None) -> bool:
    return phase is not None and phase.is_blind_now


def reviews_blind_annotation() -> Exists:
    """For a ReviewAssignment queryset: `blind`, see the module's invariant."""
    return Exists(
        ReviewAssignment.objects.filter(
            application_id=OuterRef("application_id"),
            reviewer_id=OuterRef("reviewer_id"),
            phase__is_blind=True,
            phase__blind_lifted_at__isnull=True,
        )
    )


def review_is_blind(review: ReviewAssignment) -> bool:
    """Whether the reviewer sees this assignment's application blind (the selectors' `blind`
    annotation; the review's own phase when loaded another way)."""
    blind = getattr(review, "blind", None)
    if blind is None:
        blind = (
            ReviewAssignment.objects.filter(
                application_id=review.application_id,
                reviewer_id=review.reviewer_id,
                phase__is_blind=True,
                phase__blind_lifted_at__isnull=True,
            ).exists()
            if review.pk
            else is_blind_for_reviewer(review.phase)
        )
    return bool(blind)


def reviewer_sees_blind(*, reviewer, application: Application) -> bool:
    """Whether `reviewer` sees `application` blind (one query)."""
    return ReviewAssignment.objects.filter(
        application=application, reviewer=reviewer, phase__is_blind=True, phase__blind_lifted_at__isnull=True
    ).exists()


def application_label(*, application: Application, phase: Phase | None = None, blind: bool | None = None) -> str:
    """How a reviewer names the application: its pseudonym when blind (given, or from `phase`)."""
    if blind is None:
        blind = is_blind_for_reviewer(phase)
    if blind:
        return gettext("Application %(code)s") % {"code": application_pseudonym(application)}
    return str(application)


def review_label(review: ReviewAssignment) -> str:
    """How the reviewer of `review` names its application (pages, messages, emails)."""
    return application_label(application=review.application, blind=review_is_blind(review))


def application_labels_for_reviewer(*, reviewer, applications: Sequence[Application]) -> dict[int, str]:
    """{application id: how `reviewer` names it}, for many at once (one query): what an email
    listing a reviewer's assignments must use instead of `str(application)`. Load the
    applications with `applicant` and `cohort` for the names of those not blind."""
    blind = set(
        ReviewAssignment.objects.filter(
            reviewer=reviewer,
            application__in=[application.pk for application in applications],
            phase__is_blind=True,
            phase__blind_lifted_at__isnull=True,
        ).values_list("application_id", flat=True)
    )
    return {
        application.pk: application_label(application=application, blind=application.pk in blind)
        for application in applications
    }


def question_hidden_when_blind(question: Question) -> bool:
    """A question whose answer (and file) a blind reviewer does not get at all."""
    return question.identifying or question.hidden_from_blind


def answer_blind_download_name(answer: Answer) -> str:
    """`<pseudonym>-<question order>.<ext>`: the neutral name of a file for a blind reviewer."""
    original = answer.value if isinstance(answer.value, str) else ""
    extension = os.path.splitext(original)[1] or os.path.splitext(answer.file.name or "")[1]
    extension = re.sub(r"[^a-z0-9]", "", extension.lower())[:8]
    name = f"{application_pseudonym(answer.application_id)}-{answer.question.order}"
    return f"{name}.{extension}" if extension else name


# Staff: lifting the blind of a phase -----------------------------------------------------------


def phase_get_for_staff(*, user, pk: int) -> Phase:
    """A phase of a call of a program `user` runs (superusers: any); 404 for anyone else."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise Http404("No such phase.")
    queryset = Phase.objects.select_related("cohort__program", "blind_lifted_by")
    program_ids = program_ids_for_staff(user=user)
    if program_ids is not None:
        queryset = queryset.filter(cohort__program_id__in=program_ids)
    try:
        return queryset.get(pk=pk)
    except (Phase.DoesNotExist, ValueError, TypeError):
        raise Http404("No such phase.")


def phases_blind(*, cohort) -> list[Phase]:
    """The call's phases reviewed blind (lifted or not), in order, with who lifted them."""
    return list(Phase.objects.filter(cohort=cohort, is_blind=True).select_related("blind_lifted_by").order_by("order"))


def phase_reviews_pending_count(*, phase: Phase, statuses: Sequence[str]) -> int:
    """Reviews of `phase` still waiting for scores, of applications in `statuses` (those still
    open to review: `cohorts.services.selection.REVIEWABLE_STATUSES`)."""
    return ReviewAssignment.objects.filter(
        phase=phase, state=ReviewState.PENDING, application__status__in=statuses
    ).count()
