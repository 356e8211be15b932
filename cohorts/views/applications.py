"""The applicant's pages: open calls, one call, applying, editing, withdrawing, "My applications".

Applications are fetched through `application_get_for_user`, scoped to their applicant, so
every other person (reviewers and staff included: they work in the admin and the review
pages) gets a 404 and learns nothing from an id.
"""

from __future__ import annotations

from datetime import datetime

from allauth.account.decorators import verified_email_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from cohorts.enums import ApplicationStatus, Language, Need, QuestionKind, Sector, Support, TrackKind
from cohorts.fields import fields_for_track
from cohorts.forms import ApplicationForm, TrackChoiceForm
from cohorts.models import Application, Cohort, Organisation
from cohorts.selectors.applications import (
    application_answer_for_user,
    application_answers,
    application_for_cohort,
    application_get_for_user,
    application_questions,
    application_status_history,
    applications_for_applicant,
    calls_open_with_tracks,
    cohort_get_call,
)
from cohorts.selectors.deadlines import (
    application_extended_until,
    deadline_for,
    deadline_for_application,
    extension_active_for,
    is_accepting_for,
    is_extended_for,
    is_extended_for_application,
)
from cohorts.selectors.files import answer_download_name
from cohorts.selectors.interviews import interview_phase_for
from cohorts.selectors.phases import STEPS_SHOWN_FOR, application_phase_steps
from cohorts.services.applications import (
    EDITABLE_STATUSES,
    HANDED_IN_EDITABLE,
    ApplicationNotEditableError,
    application_can_edit,
    application_can_withdraw,
    application_closed_error,
    application_save_draft,
    application_start,
    application_submission_errors,
    application_submit,
    application_withdraw,
    bangkok_format,
)
from incubator.audit import access_log_record
from incubator.dates import time_left
from incubator.enums import AccessAction
from incubator.forms import add_service_errors
from incubator.geo import province_name
from incubator.storage import download_response

# --- Presentation helpers --------------------------------------------------------------------


def _describe_cohort(cohort: Cohort, now: datetime, *, user=None) -> None:
    """Attach what the call pages show: the deadline (the person's own, when `user` has an
    extension), time left, accepting or not, and the program's text."""
    extension = extension_active_for(cohort=cohort, user=user) if user is not None else None
    until = cohort.extended_until = extension.until if extension is not None else None
    cohort.deadline = deadline_for(cohort=cohort, user=user, extended_until=until)
    cohort.extended = is_extended_for(cohort=cohort, user=user, extended_until=until)
    cohort.accepting = is_accepting_for(cohort=cohort, user=user, at=now, extended_until=until)
    cohort.time_left = time_left(cohort.deadline, now)
    cohort.not_yet_open = now < cohort.applications_open_at
    program = cohort.program
    english = (get_language() or "th").startswith("en")
    cohort.program_description = program.description_en if english and program.description_en else program.description
    labels = dict(Support.choices)
    cohort.support_labels = [labels[value] for value in program.supports or [] if value in labels]


STATUS_CLASSES = {
    ApplicationStatus.DRAFT: "text-bg-secondary",
    ApplicationStatus.SUBMITTED: "text-bg-primary",
    ApplicationStatus.UNDER_REVIEW: "text-bg-info",
    ApplicationStatus.SHORTLISTED: "text-bg-info",
    ApplicationStatus.ACCEPTED: "text-bg-success",
    ApplicationStatus.WAITLISTED: "text-bg-warning",
    ApplicationStatus.REJECTED: "text-bg-dark",
    ApplicationStatus.WITHDRAWN: "text-bg-light border",
}


def _describe_application(application: Application, now: datetime) -> None:
    # Read once: the page's deadline, countdown and "can edit" all ask it.
    application.extended_until = application_extended_until(application)
    application.deadline = deadline_for_application(application)
    application.extended = is_extended_for_application(application)
    application.time_left = time_left(application.deadline, now)
    application.can_edit = application_can_edit(application, at=now)
    application.can_withdraw = application_can_withdraw(application)
    application.status_class = STATUS_CLASSES.get(application.status, "text-bg-secondary")
    # "Now: <phase>" while the application is still in selection (its status says the rest).
    application.phase_now = application.phase if application.status in STEPS_SHOWN_FOR else None


def _labels(values, choices) -> str:
    names = dict(choices)
    return ", ".join(str(names.get(value, value)) for value in values or [])


def _label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


def _summary(application: Application) -> list[tuple[str, str]]:
    """The application's own fields as (label, text) pairs for the detail page."""
    kind = application.track.kind
    rows: list[tuple[str, str]] = []
    organisation = application.organisation
    if kind == TrackKind.ORGANISATION and organisation is not None:
        rows.append((_("Organisation"), organisation.name))
        rows += [
            (_label(Organisation, name), text)
            for name, text in [
                ("kind", organisation.get_kind_display()),
                ("province", province_name(organisation.province)),
                ("size", organisation.get_size_display()),
                ("focus_areas", _labels(organisation.focus_areas, Sector.choices)),
                ("needs", _labels(organisation.needs, Need.choices)),
                ("website", organisation.website),
                ("contact_name", organisation.contact_name),
                ("contact_email", organisation.contact_email),
                ("contact_phone", organisation.contact_phone),
                ("description", organisation.description),
            ]
        ]
    for name in fields_for_track(kind):
        value = getattr(application, name)
        if name == "sectors":
            text = _labels(value, Sector.choices)
        elif name == "languages":
            text = _labels(value, Language.choices)
        elif name == "travel_provinces":
            text = ", ".join(province_name(code) for code in value or [])
        else:
            text = "" if value is None else str(value)
        rows.append((_label(Application, name), text))
    return rows


# --- Public call pages -----------------------------------------------------------------------


def call_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    cohorts = list(calls_open_with_tracks(at=now))
    for cohort in cohorts:
        _describe_cohort(cohort, now)
    return render(request, "cohorts/call_list.html", {"cohorts": cohorts})


def _render_call(request: HttpRequest, cohort: Cohort, *, form: TrackChoiceForm | None = None) -> HttpResponse:
    now = timezone.now()
    _describe_cohort(cohort, now, user=request.user)
    application = application_for_cohort(cohort=cohort, user=request.user)
    if application is not None:
        application.extended_until = cohort.extended_until  # the same person's, read above
        _describe_application(application, now)
    if form is None and cohort.accepting and application is None:
        form = TrackChoiceForm(cohort=cohort)
    return render(
        request,
        "cohorts/call_detail.html",
        {"cohort": cohort, "tracks": list(cohort.tracks.all()), "application": application, "track_form": form},
    )


def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_call(request, cohort_get_call(slug=slug, user=request.user))


@verified_email_required
@require_http_methods(["GET", "POST"])
def application_start_view(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the call with its track choice; POST: create (or find) the draft and edit it."""
    cohort = cohort_get_call(slug=slug, user=request.user)
    existing = application_for_cohort(cohort=cohort, user=request.user)
    if existing is not None:
        if application_can_edit(existing):
            return redirect("cohorts:application_edit", pk=existing.pk)
        messages.info(request, _("You already have an application for this call."))
        return redirect(existing)
    if not is_accepting_for(cohort=cohort, user=request.user):
        messages.error(request, _("This call is not accepting applications."))
        return redirect(cohort)
    if request.method == "GET":
        return _render_call(request, cohort)
    form = TrackChoiceForm(request.POST, cohort=cohort)
    if not form.is_valid():
        return _render_call(request, cohort, form=form)
    try:
        application = application_start(cohort=cohort, track=form.cleaned_data["track"], applicant=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(cohort)
    return redirect("cohorts:application_edit", pk=application.pk)


# --- The applicant's own applications --------------------------------------------------------


@verified_email_required
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_get_for_user(request.user, pk)
    if request.method == "GET" and not application_can_edit(application):
        if application.status in EDITABLE_STATUSES:
            messages.info(request, _("The deadline has passed, so this application can no longer be changed."))
        else:
            messages.info(request, _("This application can no longer be changed."))
        return redirect(application)
    questions = application_questions(application=application)
    # A posted form needs the stored answers only for its file questions (a file kept from
    # before); the service reads them under its lock anyway.
    needs_answers = request.method == "GET" or any(question.kind == QuestionKind.FILE for question in questions)
    answers = application_answers(application=application) if needs_answers else {}
    was_submitted = application.status in HANDED_IN_EDITABLE
    if request.method == "POST":
        editable = application_can_edit(application)
        submitting = request.POST.get("action") == "submit" or was_submitted
        form = ApplicationForm(
            request.POST,
            request.FILES,
            application=application,
            questions=questions,
            answers=answers,
            enforce_required=submitting and editable,
        )
        if not editable:
            # The deadline passed while the form was open: keep what they typed, save nothing.
            if application.status in EDITABLE_STATUSES:
                form.add_error(None, application_closed_error(application))
            else:
                form.add_error(None, ApplicationNotEditableError(application))
        elif form.is_valid():
            service = application_submit if submitting else application_save_draft
            try:
                service(application=application, by=request.user, questions=questions, **form.service_kwargs())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if not submitting:
                    messages.success(request, _("Draft saved. You can come back and finish it before the deadline."))
                    return redirect("cohorts:application_edit", pk=application.pk)
                # A double tap on Submit: the second request finds the application submitted by
                # the first, but the person submitted a draft and reads that it was submitted.
                if was_submitted and request.POST.get("form_status") != ApplicationStatus.DRAFT:
                    messages.success(request, _("Your changes were saved. The application stays submitted."))
                else:
                    messages.success(request, _("Your application was submitted. We have emailed you a confirmation."))
                return redirect(application)
        if submitting and not was_submitted and editable and form.errors:
            # Submitting failed (fields still missing): keep what can be kept as the draft,
            # the chosen files included, and say what still blocks submitting.
            form = _save_draft_after_failed_submit(request, application, questions, form)
        elif request.FILES and form.errors:
            form.add_error(None, _("Nothing was saved, so please choose your file again before you save."))
    else:
        form = ApplicationForm(application=application, questions=questions, answers=answers)
    now = timezone.now()
    _describe_application(application, now)
    return render(
        request,
        "cohorts/application_form.html",
        {
            "application": application,
            "cohort": application.cohort,
            "form": form,
            "deadline": bangkok_format(application.deadline),
        },
    )


def _save_draft_after_failed_submit(
    request: HttpRequest, application: Application, questions, failed: ApplicationForm
) -> ApplicationForm:
    """After a refused submit, save the draft from what passes as a draft (the chosen files
    included). Returns the form to show: the submit's errors on what is still missing, with
    the saved files shown as stored; or the failed form if even the draft could not be saved."""
    draft = ApplicationForm(
        request.POST,
        request.FILES,
        application=application,
        questions=questions,
        answers=application_answers(application=application),
        enforce_required=False,
    )
    if not draft.is_valid():
        if request.FILES:
            failed.add_error(None, _("Nothing was saved, so please choose your file again before you save."))
        return failed
    try:
        application_save_draft(application=application, by=request.user, **draft.service_kwargs())
    except ValidationError:
        if request.FILES:
            failed.add_error(None, _("Nothing was saved, so please choose your file again before you save."))
        return failed
    # Shown again against the saved state: stored files count, missing fields are listed.
    shown = ApplicationForm(
        request.POST,
        application=application,
        questions=questions,
        answers=application_answers(application=application),
        enforce_required=True,
    )
    shown.is_valid()
    for field, errors in application_submission_errors(application).items():
        if field in shown.fields and field not in shown.errors:
            shown.add_error(field, errors)
    shown.draft_saved = True
    return shown


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_get_for_user(request.user, pk)
    _describe_application(application, timezone.now())
    questions = application_questions(application=application)
    answers = application_answers(application=application)
    return render(
        request,
        "cohorts/application_detail.html",
        {
            "application": application,
            "cohort": application.cohort,
            "deadline": bangkok_format(application.deadline),
            "summary": _summary(application),
            "answered": [(question, answers.get(question.pk)) for question in questions],
            "history": application_status_history(application=application),
            "steps": application_phase_steps(application=application),
            "interview_phase": interview_phase_for(application),
        },
    )


@require_GET
def application_file(request: HttpRequest, pk: int, question_id: int) -> FileResponse:
    """The file the applicant uploaded for a question, as an attachment; 404 for anyone else
    (anonymous visitors too: a login page would tell them the file exists)."""
    answer = application_answer_for_user(request.user, pk=pk, question_id=question_id)
    filename = answer_download_name(answer)
    access_log_record(request=request, action=AccessAction.DOWNLOAD, target=answer, detail=filename)
    return download_response(answer.file, filename=filename)


@verified_email_required
@require_http_methods(["GET", "POST"])
def application_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_get_for_user(request.user, pk)
    if not application_can_withdraw(application):
        messages.info(request, _("This application can no longer be withdrawn."))
        return redirect(application)
    if request.method == "POST":
        declining = application.status == ApplicationStatus.ACCEPTED
        try:
            application_withdraw(application=application, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if declining:
                messages.success(request, _("You gave up your place. Thank you for telling us."))
            else:
                messages.success(request, _("Your application was withdrawn."))
        return redirect(application)
    return render(request, "cohorts/application_withdraw.html", {"application": application})


@login_required
def my_applications(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    applications = list(applications_for_applicant(request.user))
    for application in applications:
        _describe_application(application, now)
    return render(request, "cohorts/application_list.html", {"applications": applications})


urlpatterns = [
    path("calls/", call_list, name="call_list"),
    path("calls/<slug:slug>/", call_detail, name="call_detail"),
    path("calls/<slug:slug>/apply/", application_start_view, name="application_start"),
    path("applications/", my_applications, name="my_applications"),
    path("applications/<id:pk>/", application_detail, name="application_detail"),
    path("applications/<id:pk>/edit/", application_edit, name="application_edit"),
    path("applications/<id:pk>/withdraw/", application_withdraw_view, name="application_withdraw"),
    path(
        "applications/<id:pk>/files/<id:question_id>/",
        application_file,
        name="application_file",
    ),
]
