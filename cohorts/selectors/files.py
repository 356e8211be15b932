"""Who may open a stored attachment, found by its (random) storage name.

The private storage's links (`/files/<name>`, see `incubator.storage`) land here: the
applicant, a reviewer assigned to the application (not after declaring a conflict) and staff
of its program may open the file; everyone else gets a 404, whatever the settings mode. A
reviewer who sees the application blind (`cohorts.selectors.blind`) gets a 404 for the files of
identifying or hidden questions, and the others under a neutral name: the answer comes back with
`blind_for_user` set for `answer_download_name`.
"""

from __future__ import annotations

from django.http import Http404

from cohorts.enums import ReviewState
from cohorts.models import Answer, ReviewAssignment
from cohorts.rules import is_program_staff
from cohorts.selectors.blind import answer_blind_download_name, question_hidden_when_blind, reviewer_sees_blind
from cohorts.selectors.reviews import HIDDEN_FROM_REVIEWERS


def answer_get_by_file_for_user(user, *, name: str) -> Answer:
    """The answer whose stored file is `name`, if `user` may open it; 404 otherwise."""
    if not (user.is_authenticated and user.is_active) or not name:
        raise Http404("No such file.")
    answer = Answer.objects.select_related("application__cohort", "question").filter(file=name).first()
    if answer is None:
        raise Http404("No such file.")
    application = answer.application
    answer.blind_for_user = False
    if application.applicant_id == user.pk or is_program_staff(user, application):
        return answer
    reviews = ReviewAssignment.objects.filter(application=application, reviewer=user).exclude(
        state=ReviewState.CONFLICT
    )
    if application.status not in HIDDEN_FROM_REVIEWERS and reviews.exists():
        answer.blind_for_user = reviewer_sees_blind(reviewer=user, application=application)
        if answer.blind_for_user and question_hidden_when_blind(answer.question):
            raise Http404("No such file.")
        return answer
    raise Http404("No such file.")


def answer_download_name(answer: Answer, *, blind: bool = False) -> str:
    """The name the applicant's file had on their device (kept in `Answer.value`); for a blind
    reviewer a neutral `<pseudonym>-<question order>.<ext>`."""
    if blind:
        return answer_blind_download_name(answer)
    if isinstance(answer.value, str) and answer.value:
        return answer.value
    return "file"
