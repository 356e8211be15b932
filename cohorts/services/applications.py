"""The applicant's side of a call: organisations, drafts, submission, edits, withdrawal.

- `application_start` makes the applicant's one draft for a cohort (or returns the one they
  already have: one application per applicant per cohort).
- `application_save_draft` saves whatever was typed; required fields are not enforced on a
  draft. On an application that was already submitted it is an edit, and the application
  must stay complete.
- `application_submit` moves a complete draft to submitted exactly once (the row is locked),
  records the history and queues the confirmation email under an idempotent key.
- Until the deadline a submitted application can be edited and stays submitted; after it
  nothing the applicant sends changes the database. "The deadline" is the applicant's own
  (`cohorts.selectors.deadlines`: the call's, or the person's extension's), to the second.
- `application_withdraw` takes an application out of the selection and frees the interview
  slot it booked (`cohorts.services.interviews.interview_bookings_release`); on an accepted one
  it declines the place and may move the waiting list up (`cohorts.services.waitlist`).

Every change of status is a row in `Application.history` with the acting user and a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cohorts.enums import ApplicationStatus, QuestionKind, TrackKind
from cohorts.fields import (
    LIST_FIELDS,
    ORGANISATION_FIELDS,
    ORGANISATION_LIST_FIELDS,
    ORGANISATION_REQUIRED,
    REQUIRED_TO_SUBMIT,
    fields_for_track,
)
from cohorts.models import (
    QUESTION_ANSWER_MAX,
    Answer,
    Application,
    Cohort,
    Organisation,
    Participant,
    PendingDecision,
    Question,
    Track,
)
from cohorts.selectors.applications import application_questions
from cohorts.selectors.deadlines import (
    deadline_for,
    deadline_for_application,
    is_accepting_for,
    is_accepting_for_application,
)
from cohorts.selectors.emails import application_email_context, program_mail_scope
from cohorts.selectors.phases import phase_first
from cohorts.services.extensions import extension_mark_used
from cohorts.services.interviews import interview_bookings_release
from cohorts.services.waitlist import place_freed_record
from incubator.dates import format_date
from incubator.geo import BY_CODE, region_of
from incubator.mail import message_key, queue_mail
from incubator.models import User
from incubator.validators import clean_upload, history_reason

SUBMITTED_TEMPLATE = "cohorts/application_submitted"

# Statuses in which the applicant may still change the application (before the deadline).
# Review starting (a reviewer assigned) does not take the pen from the applicant: the
# confirmation email promises edits until the deadline, and reviewers see the latest text.
EDITABLE_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)
# Handed-in statuses in which an edit must keep the application complete.
HANDED_IN_EDITABLE = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)
# Statuses from which the applicant may withdraw (not after a rejection). Withdrawing an
# accepted application is declining the place: it may move the waiting list up.
WITHDRAWABLE_STATUSES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.ACCEPTED,
)

EMPTY_VALUES = (None, "", [], (), {})


class ApplicationClosedError(ValidationError):
    """The cohort no longer accepts applications (deadline passed or call closed)."""

    def __init__(self, cohort: Cohort, *, deadline: datetime | None = None):
        super().__init__(
            _(
                "The deadline for this call passed on %(deadline)s (Bangkok time). "
                "Applications are closed, so your changes were not saved."
            ),
            code="closed",
            params={"deadline": bangkok_format(deadline or cohort.applications_close_at)},
        )


class ApplicationNotEditableError(ValidationError):
    """The application is in a status the applicant can no longer change."""

    def __init__(self, application: Application):
        super().__init__(
            _("This application is %(status)s and can no longer be changed."),
            code="not_editable",
            params={"status": application.get_status_display()},
        )


def bangkok_format(moment: datetime) -> str:
    """A datetime as the applicant reads it: in Asia/Bangkok, in the active language (Thai
    with the Buddhist Era year: 6 ธันวาคม 2569, 23:59)."""
    return format_date(moment, with_time=True)


# --- Rules the pages also show -------------------------------------------------------------


def application_can_edit(application: Application, *, at: datetime | None = None) -> bool:
    return application.status in EDITABLE_STATUSES and is_accepting_for_application(application, at=at)


def application_closed_error(application: Application) -> ApplicationClosedError:
    """The refusal that names the applicant's own deadline."""
    return ApplicationClosedError(application.cohort, deadline=deadline_for_application(application))


def application_can_withdraw(application: Application) -> bool:
    return application.status in WITHDRAWABLE_STATUSES


# --- Organisations -------------------------------------------------------------------------


def _organisation_assign(organisation: Organisation, data: Mapping[str, Any]) -> list[str]:
    unknown = set(data) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organisation fields: {sorted(unknown)}")
    changed = []
    for name, value in data.items():
        if name in ORGANISATION_LIST_FIELDS:
            value = list(value or [])
        elif value is None:
            value = ""
        if getattr(organisation, name) != value:
            setattr(organisation, name, value)
            changed.append(name)
    if "province" in changed:
        region = region_of(organisation.province) if organisation.province in BY_CODE else ""
        if organisation.region != region:
            organisation.region = region
            changed.append("region")
    return changed


def _organisation_clean(organisation: Organisation, *, allow_incomplete: bool) -> None:
    exclude = ["created_by"]
    if allow_incomplete:
        # A draft may hold a half-filled organisation: blank required fields wait for submit.
        exclude += [name for name in ("name", "kind", "province", "region") if not getattr(organisation, name)]
    organisation.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def organisation_create(*, by: User | None, data: Mapping[str, Any], allow_incomplete: bool = False) -> Organisation:
    """Create an organisation; its region follows from its province.

    `allow_incomplete` lets a draft keep an organisation whose name, kind or province is
    still blank; submission checks them.
    """
    organisation = Organisation(created_by=by)
    _organisation_assign(organisation, data)
    _organisation_clean(organisation, allow_incomplete=allow_incomplete)
    organisation.save()
    return organisation


def organisation_update(
    *, organisation: Organisation, data: Mapping[str, Any], allow_incomplete: bool = False
) -> Organisation:
    """Update the given fields; the region follows the province. Saves only what changed."""
    changed = _organisation_assign(organisation, data)
    if not changed:
        return organisation
    _organisation_clean(organisation, allow_incomplete=allow_incomplete)
    organisation.save(update_fields=changed)
    return organisation


# --- Applications --------------------------------------------------------------------------


def _ensure_changer(application: Application, by: User) -> None:
    if not by.has_perm("cohorts.change_application_obj", application):
        raise PermissionDenied("Only the applicant changes their application.")


def _ensure_editable(application: Application) -> None:
    if application.status not in EDITABLE_STATUSES:
        raise ApplicationNotEditableError(application)
    if not is_accepting_for(cohort=application.cohort, user=application.applicant):
        raise application_closed_error(application)


def _lock(application: Application) -> Application:
    """Reload the row FOR UPDATE (PostgreSQL) with a fresh cohort, in the caller's transaction."""
    application.refresh_from_db(
        from_queryset=Application.objects.select_for_update(of=("self",)).select_related(
            "cohort__program", "track", "applicant", "organisation"
        )
    )
    return application


def _record(application: Application, *, by: User | None, reason: str, fields: Iterable[str]) -> None:
    """Validate and save the changed fields, with the history row's user and reason."""
    application.full_clean(
        exclude=["cohort", "track", "applicant", "organisation"], validate_unique=False, validate_constraints=False
    )
    application._history_user = by
    application._change_reason = history_reason(reason)
    application.save(update_fields=[*dict.fromkeys(fields), "updated_at"])


def application_start(*, cohort: Cohort, track: Track, applicant: User) -> Application:
    """The applicant's application to `cohort`: the existing one if they already started one
    (whatever its track or status), otherwise a new draft on `track`.

    A new draft on the organisation track starts from the organisation the applicant entered
    last time, so a leader applying again does not retype it.
    """
    existing = Application.objects.filter(cohort=cohort, applicant=applicant).first()
    if existing is not None:
        return existing
    if track.cohort_id != cohort.pk:
        raise ValidationError(_("This track is not part of this call."), code="wrong_track")
    if not is_accepting_for(cohort=cohort, user=applicant):
        raise ApplicationClosedError(cohort, deadline=deadline_for(cohort=cohort, user=applicant))
    application = Application(cohort=cohort, track=track, applicant=applicant, status=ApplicationStatus.DRAFT)
    if track.kind == TrackKind.ORGANISATION:
        application.organisation = (
            Organisation.objects.filter(created_by=applicant).order_by("-created_at", "-pk").first()
        )
    application.full_clean(
        exclude=["cohort", "track", "applicant", "organisation"], validate_unique=False, validate_constraints=False
    )
    application._history_user = applicant
    application._change_reason = "started"
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        # A second tab or a double click created it first: one application per cohort.
        return Application.objects.get(cohort=cohort, applicant=applicant)
    return application


def _answer_value(question: Question, value: Any) -> Any:
    """Check one answer against its question and return what is stored in `Answer.value`."""
    field = f"q_{question.pk}"
    if value in EMPTY_VALUES:
        return None
    kind = question.kind
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        value = str(value).strip()
        limit = question.max_length or (QUESTION_ANSWER_MAX if kind == QuestionKind.LONG_TEXT else 500)
        if len(value) > limit:
            raise ValidationError({field: _("Please keep this answer to %(max)d characters.") % {"max": limit}})
        return value or None
    if kind == QuestionKind.SINGLE_CHOICE:
        if value not in question.choice_list:
            raise ValidationError({field: _("Please choose one of the options.")})
        return value
    if kind == QuestionKind.MULTIPLE_CHOICE:
        values = [value] if isinstance(value, str) else list(value)
        if any(item not in question.choice_list for item in values):
            raise ValidationError({field: _("Please choose among the options.")})
        return values or None
    if kind == QuestionKind.NUMBER:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError({field: _("Please enter a number.")})
        return int(number) if number.is_integer() else number
    if kind == QuestionKind.YES_NO:
        if not isinstance(value, bool):
            raise ValidationError({field: _("Please answer yes or no.")})
        return value
    raise ValidationError({field: _("Please upload the file with the file field.")})


def _delete_file_on_commit(name: str, storage) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def application_answers_save(
    *,
    application: Application,
    answers: Mapping[int, Any],
    questions: Sequence[Question] | None = None,
    existing: dict[int, Answer] | None = None,
) -> list[int]:
    """Save answers to the cohort's own questions, keyed by question id.

    Values: text, a choice, a list of choices, a number, True/False for yes/no; for file
    questions an uploaded file, `False` to remove the stored file, or `None` to keep it.
    Returns the ids of the questions whose answer changed. Required answers are checked on
    submit, not here.

    `questions` (the application's questions) and `existing` (its answers by question id, read
    in the caller's transaction) save a query each when the caller already has them; `existing`
    is kept up to date with what is saved.
    """
    if not answers:
        return []
    if questions is None:
        questions = application_questions(application=application)
    by_id = {question.pk: question for question in questions}
    unknown = set(answers) - set(by_id)
    if unknown:
        raise ValidationError(_("The form is out of date: the program changed its questions. Please reload the page."))
    if existing is None:
        existing = _answers_by_question(application)
    changed = []
    for question_id, raw in answers.items():
        question = by_id[question_id]
        answer = existing.get(question_id)
        if question.kind == QuestionKind.FILE:
            if raw is None or raw is True:
                continue
            old_name = answer.file.name if answer is not None and answer.file else ""
            if raw is False:
                if answer is None or not answer.file:
                    continue
                _delete_file_on_commit(old_name, answer.file.storage)
                answer.file = ""
                answer.value = None
                answer.save(update_fields=["file", "value"])
                changed.append(question_id)
                continue
            try:
                raw = clean_upload(raw)  # images are stored without their metadata (GPS, camera)
            except ValidationError as error:
                raise ValidationError({f"q_{question_id}": error.error_list})
            if answer is None:
                answer = Answer(application=application, question=question)
            answer.value = raw.name
            answer.file.save(raw.name, raw, save=False)
            answer.save()
            existing[question_id] = answer
            _delete_file_on_commit(old_name, answer.file.storage)
            changed.append(question_id)
            continue
        value = _answer_value(question, raw)
        if answer is None:
            if value is None:
                continue
            existing[question_id] = Answer.objects.create(application=application, question=question, value=value)
        elif answer.value != value:
            answer.value = value
            answer.save(update_fields=["value"])
        else:
            continue
        changed.append(question_id)
    return changed


def _answers_by_question(application: Application) -> dict[int, Answer]:
    return {answer.question_id: answer for answer in Answer.objects.filter(application=application)}


def _apply_changes(
    application: Application,
    *,
    by: User,
    data: Mapping[str, Any] | None,
    organisation: Mapping[str, Any] | None,
    answers: Mapping[int, Any] | None,
    consent: bool | None,
    questions: Sequence[Question],
    existing: dict[int, Answer],
) -> list[str]:
    """Apply the applicant's edits: answers and organisation are saved, the application's own
    fields are set in memory. Returns the application fields to save."""
    changed: list[str] = []
    allowed = fields_for_track(application.track.kind)
    for name, value in (data or {}).items():
        if name not in allowed:
            raise TypeError(f"{name!r} is not a field of the {application.track.kind} track")
        if name in LIST_FIELDS:
            value = list(value or [])
        elif value is None and name not in ("availability_days_per_month", "team_size"):
            value = ""
        if getattr(application, name) != value:
            setattr(application, name, value)
            changed.append(name)

    if organisation is not None:
        if application.track.kind != TrackKind.ORGANISATION:
            raise TypeError("Only organisation-track applications have an organisation")
        if application.organisation_id is None:
            if any(value not in EMPTY_VALUES for value in organisation.values()):
                application.organisation = organisation_create(by=by, data=organisation, allow_incomplete=True)
                changed.append("organisation")
        else:
            organisation_update(organisation=application.organisation, data=organisation, allow_incomplete=True)

    if answers:
        application_answers_save(application=application, answers=answers, questions=questions, existing=existing)

    if consent is True:
        version = application.cohort.privacy_notice_version
        if application.consent_version != version or application.consented_at is None:
            application.consent_version = version
            application.consented_at = timezone.now()
            changed += ["consent_version", "consented_at"]
    elif consent is False and application.consent_version:
        application.consent_version = ""
        application.consented_at = None
        changed += ["consent_version", "consented_at"]
    return changed


def _apply_editable(application: Application, *, questions, **changes) -> tuple[list[str], dict[int, Answer]]:
    """Under the caller's lock: refuse a closed application, then apply the changes against
    the answers read once. Returns the changed fields and those answers (for the checks)."""
    _ensure_editable(application)
    existing = _answers_by_question(application)
    changed = _apply_changes(application, questions=questions, existing=existing, **changes)
    return changed, existing


def application_submission_errors(
    application: Application,
    *,
    questions: Sequence[Question] | None = None,
    answers: Mapping[int, Answer] | None = None,
) -> dict[str, list[str]]:
    """What is still missing before this application can be submitted, keyed by form field
    (`motivation`, `org_name`, `q_<question id>`, `consent`). Empty when complete.

    `questions` and `answers` (by question id) save a query each when the caller has them."""
    errors: dict[str, list[str]] = {}
    required = _("This field is required to submit.")
    kind = application.track.kind
    for name in REQUIRED_TO_SUBMIT.get(kind, ()):
        if getattr(application, name) in EMPTY_VALUES:
            errors[name] = [required]
    if kind == TrackKind.ORGANISATION:
        organisation = application.organisation
        for name in ORGANISATION_REQUIRED:
            if organisation is None or getattr(organisation, name) in EMPTY_VALUES:
                errors[f"org_{name}"] = [required]
    if questions is None:
        questions = application_questions(application=application)
    required_questions = [question for question in questions if question.required]
    if required_questions:
        answered = answers
        if answered is None:
            answered = {
                answer.question_id: answer
                for answer in Answer.objects.filter(application=application, question__in=required_questions)
            }
        for question in required_questions:
            answer = answered.get(question.pk)
            if question.kind == QuestionKind.FILE:
                missing = answer is None or not answer.file
            else:
                missing = answer is None or answer.value in EMPTY_VALUES
            if missing:
                errors[f"q_{question.pk}"] = [required]
    cohort = application.cohort
    if application.consent_version != cohort.privacy_notice_version or application.consented_at is None:
        errors["consent"] = [_("Please agree to the privacy notice to submit your application.")]
    return errors


def application_save_draft(
    *,
    application: Application,
    by: User,
    data: Mapping[str, Any] | None = None,
    organisation: Mapping[str, Any] | None = None,
    answers: Mapping[int, Any] | None = None,
    consent: bool | None = None,
    questions: Sequence[Question] | None = None,
) -> Application:
    """Save the applicant's edits without submitting.

    `data`: the application's own fields for its track; `organisation`: the organisation's
    fields (organisation track); `answers`: see `application_answers_save`; `consent`: True
    records consent to the current privacy notice version, False clears it, None leaves it.

    Required fields are not enforced on a draft. A submitted application stays submitted and
    must stay complete. Refused (nothing saved) once the cohort stops accepting applications.
    `questions`: the application's questions, if the caller has read them already.
    """
    _ensure_changer(application, by)
    if questions is None:
        questions = application_questions(application=application)
    with transaction.atomic():
        _lock(application)
        changed, existing = _apply_editable(
            application,
            by=by,
            data=data,
            organisation=organisation,
            answers=answers,
            consent=consent,
            questions=questions,
        )
        if application.status in HANDED_IN_EDITABLE:
            errors = application_submission_errors(application, questions=questions, answers=existing)
            if errors:
                raise ValidationError(errors)
        if changed:
            reason = "edited" if application.status in HANDED_IN_EDITABLE else "draft saved"
            _record(application, by=by, reason=reason, fields=changed)
    return application


def application_submit(
    *,
    application: Application,
    by: User,
    data: Mapping[str, Any] | None = None,
    organisation: Mapping[str, Any] | None = None,
    answers: Mapping[int, Any] | None = None,
    consent: bool | None = None,
    questions: Sequence[Question] | None = None,
) -> Application:
    """Submit the application (draft -> submitted), saving the given edits first.

    Checks, under a row lock, that the cohort still accepts applications and that the
    application is complete (standard fields, required questions, consent to the current
    privacy notice). The transition happens once: a concurrent or repeated submit finds it
    submitted and only saves its edits, so there is one submission, one history row with
    status submitted and one confirmation email (key `application-submitted:<pk>`).
    Calling it on a submitted application with edits is an edit before the deadline.
    Raises ValidationError (field errors, or ApplicationClosedError) and changes nothing then.

    `questions`: the application's questions, if the caller (the form's view) has read them
    already. The answers are read once, under the lock, for both saving and the completeness
    check.
    """
    _ensure_changer(application, by)
    edits = any(value is not None for value in (data, organisation, answers, consent))
    if questions is None:
        questions = application_questions(application=application)
    with transaction.atomic():
        _lock(application)
        if application.status == ApplicationStatus.SUBMITTED and not edits:
            return application
        changed, existing = _apply_editable(
            application,
            by=by,
            data=data,
            organisation=organisation,
            answers=answers,
            consent=consent,
            questions=questions,
        )
        errors = application_submission_errors(application, questions=questions, answers=existing)
        if errors:
            raise ValidationError(errors)
        first_submission = application.status == ApplicationStatus.DRAFT
        if first_submission:
            application.status = ApplicationStatus.SUBMITTED
            application.submitted_at = timezone.now()
            changed += ["status", "submitted_at"]
            first_phase = phase_first(cohort=application.cohort)
            if first_phase is not None and application.phase_id is None:
                application.phase = first_phase
                changed.append("phase")
        if changed:
            _record(application, by=by, reason="submitted" if first_submission else "edited", fields=changed)
        if first_submission:
            _queue_submitted_email(application)
        if changed and not application.cohort.is_accepting():
            # Handed in or changed after the call's own deadline: on the person's extension.
            extension_mark_used(cohort=application.cohort, person=application.applicant)
    return application


def _queue_submitted_email(application: Application) -> None:
    applicant = application.applicant
    queue_mail(
        key=message_key("application-submitted", application.pk),
        to=applicant.email,
        template=SUBMITTED_TEMPLATE,
        context={**application_email_context(application), "deadline": deadline_for_application(application)},
        user=applicant,
        related=application,
        scope=program_mail_scope(application.cohort.program_id),
    )


def application_withdraw(*, application: Application, by: User) -> Application:
    """Withdraw the application (from draft, submitted or under review, shortlisted or
    waitlisted; not after rejection). Withdrawing twice changes nothing; a decision staged for
    it is dropped (staff see the batch change before they send it).

    Withdrawing an accepted application declines the place: the person stops being an active
    participant and, in the same transaction, `place_freed_record` moves the waiting list up
    (if the cohort allows it) and tells the program's staff."""
    _ensure_changer(application, by)
    with transaction.atomic():
        _lock(application)
        if application.status == ApplicationStatus.WITHDRAWN:
            return application
        if application.status not in WITHDRAWABLE_STATUSES:
            raise ValidationError(
                _("This application is %(status)s and can no longer be withdrawn."),
                code="not_withdrawable",
                params={"status": application.get_status_display()},
            )
        declined = application.status == ApplicationStatus.ACCEPTED
        application.status = ApplicationStatus.WITHDRAWN
        application.withdrawn_at = timezone.now()
        _record(application, by=by, reason="declined" if declined else "withdrawn", fields=["status", "withdrawn_at"])
        PendingDecision.objects.filter(application=application).delete()
        if declined:
            Participant.objects.filter(application=application, is_active=True).update(is_active=False)
            place_freed_record(declined=application, by=by)
        interview_bookings_release(application=application, by=by)
    return application
