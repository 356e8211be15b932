"""Staff pages that the admin does not do well: a series from the template or a clone, the
series overview (overlaps, missed required workshops), moving and cancelling a session,
attendance at the door (list and QR), feedback results, announcements and reminder text.
Everything is fetched through selectors scoped to the staff member's programs: 404 otherwise."""

from __future__ import annotations

from datetime import timedelta

import tablib
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from cohorts.exports import export_response
from incubator.audit import access_log_record
from incubator.dates import time_left_text, to_bangkok
from incubator.enums import AccessAction
from incubator.forms import add_service_errors
from incubator.validators import clean_query
from workshops.enums import AttendanceStatus
from workshops.forms import (
    AnnouncementForm,
    AttendanceMarkForm,
    ReminderTextForm,
    ScanForm,
    SeriesCloneForm,
    SeriesFromTemplateForm,
    SessionCancelForm,
    SessionMoveForm,
)
from workshops.models import ReminderText
from workshops.selectors import (
    attendance_list,
    cohort_get_for_staff,
    cohorts_for_staff,
    feedback_summary,
    missed_required,
    series_for_staff,
    series_get_for_staff,
    series_workshops,
    session_get_for_staff,
    session_overlaps,
    workshop_get_for_staff,
)
from workshops.services.notices import (
    announcement_recipients,
    announcement_send,
    reminder_preview,
    reminder_text_save,
    session_reminder_plan,
)
from workshops.services.people import attendance_mark, attendance_scan
from workshops.services.series import DEFAULT_TOPICS, series_clone, series_create_from_template
from workshops.services.sessions import session_cancel, session_move


@login_required
def series_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise Http404("Not found.")
    cohorts = list(cohorts_for_staff(user=request.user).order_by("-applications_close_at")[:200])
    return render(request, "workshops/series_list.html", {"cohorts": cohorts})


@login_required
@require_http_methods(["GET", "POST"])
def series_create(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = cohort_get_for_staff(user=request.user, pk=pk)
    if hasattr(cohort, "workshop_series"):
        return redirect("workshops:series_detail", pk=cohort.workshop_series.pk)
    sources = series_for_staff(user=request.user).exclude(cohort=cohort)
    form = SeriesFromTemplateForm(request.POST if request.POST.get("action") == "template" else None)
    clone_form = SeriesCloneForm(
        request.POST if request.POST.get("action") == "clone" else None,
        series_queryset=sources,
        auto_id="id_clone_%s",  # two forms on one page: each label points at its own field
    )
    if request.method == "POST":
        try:
            if form.is_bound and form.is_valid():
                data = form.cleaned_data
                series = series_create_from_template(
                    cohort=cohort,
                    starts_on=data["starts_on"],
                    topics=data["topics"] or DEFAULT_TOPICS,
                    weeks_apart=data["weeks_apart"],
                    days_per_workshop=data["days_per_workshop"],
                    venue=data["venue"],
                    province=data["province"],
                    by=request.user,
                )
            elif clone_form.is_bound and clone_form.is_valid():
                series = series_clone(
                    source=clone_form.cleaned_data["source"],
                    cohort=cohort,
                    starts_on=clone_form.cleaned_data["starts_on"],
                    by=request.user,
                )
            else:
                series = None
        except ValidationError as error:
            add_service_errors(form if form.is_bound else clone_form, error)
            series = None
        if series is not None:
            messages.success(request, _("The workshop series is ready. Every field can still be edited."))
            return redirect("workshops:series_detail", pk=series.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "workshops/series_form.html",
        {"cohort": cohort, "form": form, "clone_form": clone_form, "default_topics": DEFAULT_TOPICS},
        status=status,
    )


@login_required
def series_detail(request: HttpRequest, pk: int) -> HttpResponse:
    series = series_get_for_staff(user=request.user, pk=pk)
    workshops = series_workshops(series=series)
    return render(
        request,
        "workshops/series_detail.html",
        {
            "series": series,
            "workshops": workshops,
            "overlaps": session_overlaps(workshops),
            "missed": missed_required(series=series, workshops=workshops),
        },
    )


@login_required
def series_reminders(request: HttpRequest, pk: int) -> HttpResponse:
    """Which session reminders go out, and when (Bangkok time; Buddhist Era in Thai)."""
    series = series_get_for_staff(user=request.user, pk=pk)
    rows = [
        {
            "plan": plan,
            "reminders": [
                (time_left_text(timedelta(hours=reminder.offset_hours)), reminder) for reminder in plan.reminders
            ],
        }
        for plan in session_reminder_plan(series=series)
    ]
    return render(request, "workshops/series_reminders.html", {"series": series, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def session_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_get_for_staff(user=request.user, pk=pk)
    initial = {"starts_at": to_bangkok(session.starts_at), "ends_at": to_bangkok(session.ends_at)}
    form = SessionMoveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            session_move(session=session, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The session is moved; participants are told of the new time."))
            return redirect("workshops:series_detail", pk=session.workshop.series_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "workshops/session_move.html", {"session": session, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def session_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_get_for_staff(user=request.user, pk=pk)
    form = SessionCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session_cancel(session=session, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The session is cancelled; participants are told."))
            return redirect("workshops:series_detail", pk=session.workshop.series_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "workshops/session_cancel.html", {"session": session, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def attendance_view(request: HttpRequest, pk: int) -> HttpResponse:
    """At the door, on a phone: search and tap a status, or scan the participant's QR code."""
    session = session_get_for_staff(user=request.user, pk=pk)
    try:
        query, query_error = clean_query(request.GET.get("q")), ""
    except ValidationError as error:
        query, query_error = "", " ".join(error.messages)
    here = reverse("workshops:attendance", kwargs={"pk": session.pk}) + (f"?{urlencode({'q': query})}" if query else "")
    scan_form = ScanForm()
    status = 400 if query_error else 200
    if request.method == "POST":
        if "payload" in request.POST:
            scan_form = ScanForm(request.POST)
            if scan_form.is_valid():
                try:
                    marked = attendance_scan(
                        session=session, payload=scan_form.cleaned_data["payload"], by=request.user
                    )
                except ValidationError as error:
                    add_service_errors(scan_form, error)
                else:
                    name = marked.attendance.participant.user
                    if marked.changed:
                        messages.success(
                            request,
                            _("%(name)s: %(status)s")
                            % {"name": name, "status": marked.attendance.get_status_display()},
                        )
                    else:
                        messages.info(request, _("%(name)s was already checked in.") % {"name": name})
                    return redirect(here)
            status = 400
        else:
            mark_form = AttendanceMarkForm(request.POST)
            participant = None
            if mark_form.is_valid():
                participant = attendance_list(session=session).filter(pk=mark_form.cleaned_data["participant"]).first()
            if participant is None:
                messages.error(request, _("Choose a participant and a status."))
                return redirect(here)
            try:
                attendance_mark(
                    session=session, participant=participant, status=mark_form.cleaned_data["status"], by=request.user
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            return redirect(here)
    participants = list(attendance_list(session=session, query=query))
    counts = dict.fromkeys(AttendanceStatus.values, 0)
    for participant in participants:
        if participant.attendance_status:
            counts[participant.attendance_status] += 1
    return render(
        request,
        "workshops/attendance_list.html",
        {
            "session": session,
            "participants": participants,
            "query": query,
            "query_error": query_error,
            "scan_form": scan_form,
            "statuses": AttendanceStatus.choices,
            "counts": [(label, counts[value]) for value, label in AttendanceStatus.choices],
        },
        status=status,
    )


@login_required
def feedback_results(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = workshop_get_for_staff(user=request.user, pk=pk)
    summary = feedback_summary(workshop=workshop)
    if request.GET.get("format") == "csv":
        access_log_record(
            request=request,
            action=AccessAction.EXPORT,
            target="workshops.feedback",
            detail=f"workshop {workshop.pk}, CSV",
        )
        dataset = tablib.Dataset(
            headers=[
                _("Name"),
                _("Email"),
                _("Organisation"),
                _("Rating"),
                _("Learned"),
                _("Will try"),
                _("Submitted at"),
            ]
        )
        for answer in summary.answers:
            participant = answer.participant
            dataset.append(
                [
                    participant.user.full_name,
                    participant.user.email,
                    participant.organisation.name if participant.organisation else "",
                    answer.rating,
                    answer.learned,
                    answer.will_try,
                    to_bangkok(answer.submitted_at).isoformat(timespec="minutes"),
                ]
            )
        return export_response(dataset, name=f"feedback-workshop-{workshop.pk}")
    total = len(summary.answers)
    bars = [(rating, count, round(100 * count / total) if total else 0) for rating, count in summary.distribution]
    return render(request, "workshops/feedback_summary.html", {"workshop": workshop, "summary": summary, "bars": bars})


@login_required
@require_http_methods(["GET", "POST"])
def announcement_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Write, preview (with the number of people it reaches), then send through the outbox."""
    series = series_get_for_staff(user=request.user, pk=pk)
    form = AnnouncementForm(request.POST or None, series=series)
    preview = count = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("action") == "send":
            announcement = announcement_send(
                series=series, workshop=data["workshop"], subject=data["subject"], body=data["body"], by=request.user
            )
            messages.success(
                request,
                ngettext(
                    "The announcement is on its way to %(count)d person.",
                    "The announcement is on its way to %(count)d people.",
                    announcement.recipients,
                )
                % {"count": announcement.recipients},
            )
            return redirect("workshops:series_detail", pk=series.pk)
        preview = data
        count = announcement_recipients(series=series, workshop=data["workshop"]).count()
    return render(
        request,
        "workshops/announcement_form.html",
        {"series": series, "form": form, "preview": preview, "count": count},
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reminder_text_edit(request: HttpRequest, pk: int) -> HttpResponse:
    series = series_get_for_staff(user=request.user, pk=pk)
    language = request.POST.get("language") or request.GET.get("language") or "th"
    current = ReminderText.objects.filter(series=series, language=language).first()
    form = ReminderTextForm(
        request.POST or None, initial={"language": language, "body": current.body if current else ""}
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("action") == "save":
            reminder_text_save(series=series, language=data["language"], body=data["body"], by=request.user)
            messages.success(request, _("The reminder text is saved."))
            return redirect("workshops:series_detail", pk=series.pk)
        preview = reminder_preview(series=series, language=data["language"], body=data["body"], user=request.user)
    return render(
        request,
        "workshops/remindertext_form.html",
        {"series": series, "form": form, "preview": preview},
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )


urlpatterns = [
    path("staff/workshops/", series_list, name="series_list"),
    path("staff/workshops/cohort/<id:pk>/new/", series_create, name="series_create"),
    path("staff/workshops/series/<id:pk>/", series_detail, name="series_detail"),
    path("staff/workshops/series/<id:pk>/announce/", announcement_create, name="announce"),
    path("staff/workshops/series/<id:pk>/reminder-text/", reminder_text_edit, name="reminder_text"),
    path("staff/workshops/series/<id:pk>/reminders/", series_reminders, name="series_reminders"),
    path("staff/workshops/sessions/<id:pk>/move/", session_move_view, name="session_move"),
    path("staff/workshops/sessions/<id:pk>/cancel/", session_cancel_view, name="session_cancel"),
    path("staff/workshops/sessions/<id:pk>/attendance/", attendance_view, name="attendance"),
    path("staff/workshops/workshops/<id:pk>/feedback/", feedback_results, name="feedback_results"),
]
