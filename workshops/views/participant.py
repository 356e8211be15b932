"""The participant's pages: "My cohort" (timeline, RSVP, materials, feedback), the check-in
QR code, "add to calendar" and the private calendar feed. Everything is fetched through
scoped selectors: 404 for what is not the person's own."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cohorts.models import Participant
from incubator.calendar import ics_response
from incubator.forms import add_service_errors
from incubator.mail import language_for
from incubator.storage import download_response
from workshops.enums import Rsvp
from workshops.forms import FeedbackForm, RsvpForm
from workshops.models import CalendarFeed, Feedback
from workshops.selectors import (
    material_get_by_file_for_user,
    material_get_for_user,
    my_cohort_timelines,
    registration_get_for_participant,
    session_get_for_user,
    workshop_get_for_participant,
)
from workshops.services import calendar as calendar_services
from workshops.services.people import feedback_open, feedback_submit, qr_payload, registration_answer


@login_required
def my_cohort(request: HttpRequest) -> HttpResponse:
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(
        request,
        "workshops/timeline_detail.html",
        {"timelines": my_cohort_timelines(user=request.user), "feed": feed},
    )


@login_required
@require_http_methods(["GET", "POST"])
def registration_edit(request: HttpRequest, pk: int) -> HttpResponse:
    registration = registration_get_for_participant(user=request.user, workshop_pk=pk)
    initial = {
        "rsvp": registration.rsvp if registration.rsvp != Rsvp.PENDING else None,
        "reason": registration.reason,
        "needs_travel": registration.needs_travel,
        "needs_accommodation": registration.needs_accommodation,
        "travel_notes": registration.travel_notes,
        "dietary_needs": registration.dietary_needs,
    }
    form = RsvpForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            registration_answer(registration=registration, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you, your answer is saved."))
            return redirect("workshops:my_cohort")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "workshops/registration_form.html",
        {"form": form, "registration": registration, "workshop": registration.workshop},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def feedback_edit(request: HttpRequest, pk: int) -> HttpResponse:
    workshop, participant = workshop_get_for_participant(user=request.user, pk=pk)
    existing = Feedback.objects.filter(workshop=workshop, participant=participant).first()
    initial = (
        {"learned": existing.learned, "will_try": existing.will_try, "rating": existing.rating} if existing else {}
    )
    form = FeedbackForm(request.POST or None, initial=initial)
    is_open = feedback_open(workshop=workshop)
    if request.method == "POST" and form.is_valid():
        try:
            feedback_submit(workshop=workshop, participant=participant, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you for your feedback."))
            return redirect("workshops:my_cohort")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "workshops/feedback_form.html", {"form": form, "workshop": workshop, "is_open": is_open}, status=status
    )


def _material_response(material) -> FileResponse:
    if not material.file or not material.file.storage.exists(material.file.name):
        raise Http404("No such file.")
    return download_response(material.file, filename=material.download_name)


@login_required
def material_download(request: HttpRequest, pk: int) -> FileResponse:
    return _material_response(material_get_for_user(user=request.user, pk=pk))


def material_file(request: HttpRequest, name: str) -> FileResponse:
    """A material by its stored name (the private storage's link, e.g. in the admin), for the
    cohort's participants and the program's staff; 404 for everyone else."""
    return _material_response(material_get_by_file_for_user(user=request.user, name=name))


@login_required
def checkin_code(request: HttpRequest, pk: int) -> HttpResponse:
    """The participant's QR code for the door, drawn on the server (SVG, no script)."""
    participant = (
        Participant.objects.select_related("cohort", "user").filter(pk=pk, user=request.user, is_active=True).first()
    )
    if participant is None:
        raise Http404("No such participant.")
    payload = qr_payload(participant)
    # A whole SVG document (with its namespace): an <img> does not draw an inline fragment.
    data_uri = segno.make(payload, error="m").svg_data_uri(scale=6, border=2)
    return render(
        request, "workshops/checkin_detail.html", {"participant": participant, "payload": payload, "qr_src": data_uri}
    )


@login_required
def session_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """One session as an .ics file: "add to calendar"."""
    session = session_get_for_user(user=request.user, pk=pk)
    return ics_response(
        calendar_services.session_ics(session, language=get_language() or "th"), f"session-{session.pk}.ics"
    )


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed calendars subscribe to; no login, the token is the key. 404 once revoked."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()
    if feed is None:
        raise Http404("No such calendar.")
    return ics_response(calendar_services.person_ics(user=feed.user, language=language_for(feed.user)), "workshops.ics")


@login_required
@require_POST
def calendar_link(request: HttpRequest) -> HttpResponse:
    """Make the private calendar link, or (action=revoke) replace it with a new one."""
    if request.POST.get("action") == "revoke":
        calendar_services.feed_revoke(user=request.user)
        messages.success(request, _("Your old calendar link no longer works. Subscribe again with the new one."))
    else:
        calendar_services.feed_get_or_create(user=request.user)
    return redirect(reverse("workshops:my_cohort") + "#calendar")


urlpatterns = [
    path("workshops/", my_cohort, name="my_cohort"),
    path("workshops/<id:pk>/rsvp/", registration_edit, name="rsvp"),
    path("workshops/<id:pk>/feedback/", feedback_edit, name="feedback"),
    path("workshops/materials/<id:pk>/", material_download, name="material"),
    path("workshops/check-in/<id:pk>/", checkin_code, name="checkin"),
    path("workshops/sessions/<id:pk>/calendar.ics", session_calendar, name="session_ics"),
    path("workshops/calendar/", calendar_link, name="calendar_link"),
    path("calendar/<token:token>.ics", calendar_feed, name="feed"),
]
