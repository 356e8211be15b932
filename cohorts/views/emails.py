"""Staff pages for the words applicants get: a program's own email texts (list, edit with a
preview on a real application, back to the default, history) and messages to a group of a
call's applicants (write, preview with the count, send once; the list of those sent).

Everything is fetched through selectors scoped to the programs the staff member runs: 404
otherwise, for a program, a cohort, an email or a language alike."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from cohorts.email_forms import CohortMessageForm, ProgramEmailForm
from cohorts.enums import MessageGroup
from cohorts.selectors.emails import (
    EDITABLE_EMAILS,
    editable_email_get,
    email_starting_text,
    program_email_history,
    program_email_override,
    program_email_overrides,
    program_get_for_staff,
)
from cohorts.selectors.messages import MESSAGE_TEMPLATE, cohort_messages, message_context, message_recipients
from cohorts.selectors.reviews import cohort_get_for_staff
from cohorts.services.emails import program_email_render, program_email_reset, program_email_save
from cohorts.services.messages import cohort_message_send
from incubator.audit import access_log_record
from incubator.enums import AccessAction
from incubator.forms import add_service_errors
from incubator.mail import language_for, render_email

# --- a program's own email texts -----------------------------------------------------------------


@login_required
@require_GET
def program_emails(request: HttpRequest, pk: int) -> HttpResponse:
    program = program_get_for_staff(user=request.user, pk=pk)
    overrides = program_email_overrides(program=program)
    rows = [
        {
            "email": email,
            "languages": [
                {"code": code, "name": name, "override": overrides.get((email.template, code))}
                for code, name in settings.LANGUAGES
            ],
        }
        for email in EDITABLE_EMAILS.values()
    ]
    cohorts = list(program.cohorts.order_by("-applications_close_at", "-pk"))
    return render(request, "cohorts/program_emails.html", {"program": program, "rows": rows, "cohorts": cohorts})


def _language_name(language: str) -> str:
    languages = dict(settings.LANGUAGES)
    if language not in languages:
        raise Http404("No such language.")
    return languages[language]


@login_required
@require_http_methods(["GET", "POST"])
def program_email_edit(request: HttpRequest, pk: int, key: str, language: str) -> HttpResponse:
    program = program_get_for_staff(user=request.user, pk=pk)
    email = editable_email_get(key)
    language_name = _language_name(language)
    override = program_email_override(program=program, email=email, language=language)
    action = request.POST.get("action", "preview")
    if request.method == "POST" and action == "reset":
        if program_email_reset(program=program, email=email, language=language, by=request.user):
            messages.success(request, _("Back to the default text. Applicants of this program get it again."))
        return redirect("cohorts:program_email_edit", pk=program.pk, key=email.key, language=language)
    if override is not None:
        initial = {"subject": override.subject, "body_text": override.body_text}
    else:
        subject, body_text = email_starting_text(email=email, language=language)
        initial = {"subject": subject, "body_text": body_text}
    form = ProgramEmailForm(request.POST or None, initial=initial, program=program)
    preview = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            application = data["application"]
            try:
                if action == "save":
                    program_email_save(
                        program=program,
                        email=email,
                        language=language,
                        subject=data["subject"],
                        body_text=data["body_text"],
                        by=request.user,
                    )
                    messages.success(
                        request,
                        _("Saved. Applicants of %(program)s get this text from now on.")
                        % {"program": program.display_name},
                    )
                    return redirect("cohorts:program_email_edit", pk=program.pk, key=email.key, language=language)
                if application is not None:
                    preview = program_email_render(
                        email=email,
                        application=application,
                        language=language,
                        subject=data["subject"],
                        body_text=data["body_text"],
                    )
                    access_log_record(
                        request=request, action=AccessAction.VIEW, target=application, detail="email preview"
                    )
            except ValidationError as error:
                add_service_errors(form, error)
        if form.errors:
            status = 400
    else:
        application = form.fields["application"].queryset.first()
        if application is not None:
            try:
                preview = program_email_render(email=email, application=application, language=language, **initial)
            except ValidationError:
                preview = None
            else:
                access_log_record(request=request, action=AccessAction.VIEW, target=application, detail="email preview")
    return render(
        request,
        "cohorts/program_email_edit.html",
        {
            "program": program,
            "email": email,
            "language": language,
            "language_name": language_name,
            "override": override,
            "form": form,
            "preview": preview,
            "has_applications": preview is not None or form.fields["application"].queryset.exists(),
            "history": program_email_history(program=program, email=email, language=language),
        },
        status=status,
    )


# --- messages to a group of a call's applicants ------------------------------------------------------


def _preview(*, cohort, data) -> tuple[int, dict | None]:
    """How many people the message reaches, and what the first of them would read."""
    recipients = message_recipients(cohort=cohort, group=data["group"], phase=data.get("phase"))
    count = recipients.count()
    first = recipients.first() if count else None
    if first is None:
        return count, None
    language = language_for(first.applicant)
    rendered = render_email(
        template=MESSAGE_TEMPLATE,
        context=message_context(
            application=first,
            subject=data["subject"],
            body=data["body"],
            subject_en=data.get("subject_en", ""),
            body_en=data.get("body_en", ""),
            language=language,
        ),
        language=language,
    )
    return count, {"rendered": rendered, "application": first, "language": dict(settings.LANGUAGES).get(language)}


@login_required
@require_http_methods(["GET", "POST"])
def cohort_message(request: HttpRequest, pk: int) -> HttpResponse:
    """Write, preview (one real recipient, and the exact count), then send through the outbox."""
    cohort = cohort_get_for_staff(user=request.user, pk=pk)
    form = CohortMessageForm(request.POST or None, cohort=cohort)
    preview = count = None
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("action") == "send":
            try:
                message, sent = cohort_message_send(
                    cohort=cohort,
                    group=data["group"],
                    phase=data.get("phase") if data["group"] == MessageGroup.PHASE else None,
                    subject=data["subject"],
                    body=data["body"],
                    subject_en=data.get("subject_en", ""),
                    body_en=data.get("body_en", ""),
                    token=data["token"],
                    by=request.user,
                    expected_count=data.get("expected_count"),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if sent:
                    messages.success(
                        request,
                        ngettext(
                            "The message is on its way to %(count)d person.",
                            "The message is on its way to %(count)d people.",
                            message.recipients,
                        )
                        % {"count": message.recipients},
                    )
                else:
                    messages.info(request, _("This message was sent already; nothing was sent again."))
                return redirect("cohorts:cohort_messages", pk=cohort.pk)
        if not form.errors:
            count, preview = _preview(cohort=cohort, data=data)
            if preview is not None:
                access_log_record(
                    request=request, action=AccessAction.VIEW, target=preview["application"], detail="message preview"
                )
            # The count staff saw goes back with the form: if the group changes before they
            # send, the service refuses instead of writing to people they did not count.
            bound = request.POST.copy()
            bound["expected_count"] = str(count)
            form = CohortMessageForm(bound, cohort=cohort)
            form.is_valid()
    if form.errors:
        status = 400
    return render(
        request,
        "cohorts/cohort_message.html",
        {"cohort": cohort, "form": form, "preview": preview, "count": count},
        status=status,
    )


@login_required
@require_GET
def cohort_message_list(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = cohort_get_for_staff(user=request.user, pk=pk)
    return render(
        request,
        "cohorts/cohort_messages.html",
        {"cohort": cohort, "sent": list(cohort_messages(cohort=cohort)[:200])},
    )


urlpatterns = [
    path("staff/programs/<id:pk>/emails/", program_emails, name="program_emails"),
    path("staff/programs/<id:pk>/emails/<slug:key>/<slug:language>/", program_email_edit, name="program_email_edit"),
    path("staff/cohorts/<id:pk>/message/", cohort_message, name="cohort_message"),
    path("staff/cohorts/<id:pk>/messages/", cohort_message_list, name="cohort_messages"),
]
