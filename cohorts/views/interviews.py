"""Interview pages: staff publish and manage a phase's slots; the applicant books, moves or
cancels theirs (phone first) and downloads the calendar entry.

Staff reach a phase through `interview_phase_get_for_staff` (their programs only), applicants
their application through `interview_application_get_for_applicant` (their own, standing in
an interview phase): anyone else gets a 404 and learns nothing from an id.
"""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cohorts.access import parse_id
from cohorts.interview_forms import SlotChoiceForm, SlotPublishForm
from cohorts.models import InterviewSlot
from cohorts.selectors.interviews import (
    interview_application_get_for_applicant,
    interview_booking_for,
    interview_phase_get_for_staff,
    interview_slots_for_staff,
    interview_slots_open,
)
from cohorts.services.interview_calendar import booking_ics
from cohorts.services.interviews import (
    booking_can_change,
    booking_closes_at,
    interview_book,
    interview_cancel,
    interview_slot_delete,
    interview_slots_publish,
)
from cohorts.services.selection import DECIDABLE_STATUSES
from incubator.calendar import ics_response
from incubator.dates import BANGKOK, format_date
from incubator.forms import add_service_errors

# --- Staff -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def interview_slots(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff of the program: publish a run of slots, see the slots with their bookings and
    panel, delete a slot nobody booked."""
    phase = interview_phase_get_for_staff(user=request.user, pk=pk)
    form = SlotPublishForm(request.POST if request.POST.get("action") == "publish" else None, phase=phase)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "delete":
            slot = InterviewSlot.objects.filter(phase=phase, pk=parse_id(request.POST.get("slot"))).first()
            if slot is None:
                raise Http404("No such slot.")
            slot.phase = phase
            try:
                interview_slot_delete(slot=slot, by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The slot was deleted."))
            return redirect("cohorts:interview_slots", pk=phase.pk)
        if form.is_valid():
            try:
                slots = interview_slots_publish(phase=phase, by=request.user, **form.service_kwargs())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(count)s interview slots were published.") % {"count": len(slots)})
                return redirect("cohorts:interview_slots", pk=phase.pk)
        status = 400
    slots = interview_slots_for_staff(phase=phase)
    return render(
        request,
        "cohorts/interview_slots.html",
        {
            "phase": phase,
            "cohort": phase.cohort,
            "form": form,
            "slots": slots,
            "booked": sum(slot.seats_taken for slot in slots),
            "free": sum(slot.seats_free for slot in slots),
        },
        status=status,
    )


# --- Applicant -------------------------------------------------------------------------------


def _days(slots) -> list[tuple[str, list]]:
    """Slots grouped by their day in Bangkok, labelled in the active language (Buddhist Era in Thai)."""
    days = []
    for day, group in groupby(slots, key=lambda slot: slot.starts_at.astimezone(BANGKOK).date()):
        days.append((f"{formats.date_format(day, 'l')} {format_date(day)}", list(group)))
    return days


@login_required
@require_http_methods(["GET", "POST"])
def interview_book_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = interview_application_get_for_applicant(request.user, pk)
    phase = application.phase
    booking = interview_booking_for(application=application)
    live = booking if booking is not None and booking.slot_id else None
    now = timezone.now()
    in_selection = application.status in DECIDABLE_STATUSES
    can_change = live is None or booking_can_change(live, now=now)
    open_slots = interview_slots_open(phase=phase, now=now, exclude=[live.slot_id] if live else [])
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "cancel":
                if live is None:
                    return redirect("cohorts:interview_book", pk=application.pk)
                live.application = application
                interview_cancel(booking=live, by=request.user)
                messages.success(request, _("Your interview is cancelled. You can book another time below."))
            elif live is not None and parse_id(request.POST.get("slot")) == live.slot_id:
                # A second tab or a double click booking the time that is already theirs.
                messages.info(request, _("This is already your interview time."))
            else:
                form = SlotChoiceForm(request.POST, slots=open_slots)
                if not form.is_valid():
                    raise ValidationError(form.errors["slot"])
                interview_book(application=application, slot=form.cleaned_data["slot"], by=request.user)
                messages.success(
                    request,
                    _("Your interview is moved. The confirmation is on its way by email.")
                    if live
                    else _("Your interview is booked. The confirmation is on its way by email."),
                )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            status = 400
        else:
            return redirect("cohorts:interview_book", pk=application.pk)
    return render(
        request,
        "cohorts/interview_book.html",
        {
            "application": application,
            "phase": phase,
            "booking": live,
            "closes_at": booking_closes_at(live.slot) if live else None,
            "can_change": in_selection and can_change,
            "in_selection": in_selection,
            "days": _days(list(open_slots)) if in_selection and can_change else [],
            "cutoff_hours": phase.booking_cutoff_hours,
        },
        status=status,
    )


@login_required
@require_GET
def interview_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The booking as a calendar entry; 404 without a booking (and for anyone else)."""
    application = interview_application_get_for_applicant(request.user, pk)
    booking = interview_booking_for(application=application)
    if booking is None:
        raise Http404("No interview booked.")
    booking.application = application
    body = booking_ics(booking, language=get_language() or "th")
    if body is None:
        raise Http404("No interview booked.")
    return ics_response(body, f"interview-{booking.pk}.ics")


urlpatterns = [
    path("staff/phases/<id:pk>/interviews/", interview_slots, name="interview_slots"),
    path("applications/<id:pk>/interview/", interview_book_view, name="interview_book"),
    path("applications/<id:pk>/interview/calendar.ics", interview_ics, name="interview_ics"),
]
