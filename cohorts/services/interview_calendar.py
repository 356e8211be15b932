"""An interview booking as a calendar entry (.ics, on the core's `incubator.calendar`).

One event per booking: its UID never changes (`interview-<booking>@<host>`), its SEQUENCE is
the booking's version, so a calendar that imported the booking updates the same event when
the applicant moves it, and marks it cancelled (STATUS:CANCELLED, at the time it had) when
they cancel. Times in Asia/Bangkok."""

from __future__ import annotations

from django.utils import timezone, translation
from icalendar import Event

from cohorts.models import InterviewBooking, InterviewSlot
from cohorts.services.interviews import interview_page_url
from incubator.calendar import calendar_bytes, calendar_new, event_uid
from incubator.dates import BANGKOK

PRODID = "-//Incubator//Interviews//TH"


def _last_slot(booking: InterviewBooking) -> InterviewSlot | None:
    """The slot a cancelled booking was in (from its history)."""
    slot_id = (
        booking.history.filter(slot__isnull=False)
        .order_by("-history_date", "-history_id")
        .values_list("slot_id", flat=True)
    ).first()
    return InterviewSlot.objects.filter(pk=slot_id).first() if slot_id else None


def booking_ics(booking: InterviewBooking, *, language: str) -> bytes | None:
    """The booking's calendar file, or None when there is no time to show (a cancelled booking
    whose slot was deleted since)."""
    slot = booking.slot or _last_slot(booking)
    if slot is None:
        return None
    application = booking.application
    with translation.override(language):
        title = translation.gettext("Interview: %(program)s · %(cohort)s") % {
            "program": application.cohort.program.display_name,
            "cohort": application.cohort.name,
        }
        calendar = calendar_new(name=title, prodid=PRODID, method="PUBLISH")
        event = Event()
        event.add("uid", event_uid("interview", booking.pk))
        event.add("sequence", booking.sequence)
        event.add("dtstamp", timezone.now())
        event.add("dtstart", slot.starts_at.astimezone(BANGKOK))
        event.add("dtend", slot.ends_at.astimezone(BANGKOK))
        event.add("summary", title)
        location = ", ".join(part for part in [slot.place, slot.online_url] if part)
        if location:
            event.add("location", location)
        page = interview_page_url(application.pk)
        event.add("description", "\n\n".join(part for part in [slot.note, page] if part))
        event.add("url", slot.online_url or page)
        event.add("status", "CONFIRMED" if booking.slot_id else "CANCELLED")
        calendar.add_component(event)
        return calendar_bytes(calendar)
