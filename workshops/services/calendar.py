"""Calendar feeds (RFC 5545, built with `icalendar`): a person's private feed of their
sessions and application deadlines, and one session's "add to calendar" file.

Every session is one event with a stable UID; a move raises SEQUENCE, a cancellation sets
STATUS:CANCELLED, so subscribed calendars update the event they already have. A session of an
optional workshop the person has not answered yet is TENTATIVE: it is not in their plans until
they say they come. The calendar around the events is the core's (`incubator.calendar`)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from icalendar import Calendar, Event

from cohorts.enums import ApplicationStatus
from cohorts.models import Application
from incubator.calendar import calendar_bytes, calendar_new, event_uid
from incubator.dates import BANGKOK
from workshops.enums import Rsvp, SessionStatus
from workshops.models import CalendarFeed, Session, new_feed_token
from workshops.services.notices import my_cohort_url, place_text

PRODID = "-//Incubator//Workshops//TH"


def feed_get_or_create(*, user) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


def feed_revoke(*, user) -> CalendarFeed:
    """A new private URL; the old one answers 404 from now on."""
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
        if feed is None:
            return CalendarFeed.objects.create(user=user)
        feed.token = new_feed_token()
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
    return feed


def _calendar(name: str, *, method: str | None = None) -> Calendar:
    return calendar_new(name=name, prodid=PRODID, method=method)


def session_event(session: Session, *, rsvp: str | None = None) -> Event:
    """One session as an event; `rsvp` is the person's answer for the workshop (None: not known)."""
    workshop = session.workshop
    event = Event()
    event.add("uid", event_uid("session", session.pk))
    event.add("sequence", session.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at.astimezone(BANGKOK))
    event.add("dtend", session.ends_at.astimezone(BANGKOK))
    title = workshop.display_title + (f" · {session.title}" if session.title else "")
    event.add("summary", title)
    location = ", ".join(part for part in [session.room, place_text(workshop)] if part)
    if location:
        event.add("location", location)
    description = "\n\n".join(
        part for part in [workshop.display_description, workshop.preparation, my_cohort_url()] if part
    )
    event.add("description", description)
    event.add("url", my_cohort_url())
    if session.status == SessionStatus.CANCELLED:
        event.add("status", "CANCELLED")
    elif rsvp == Rsvp.PENDING:
        event.add("status", "TENTATIVE")
    else:
        event.add("status", "CONFIRMED")
    return event


def session_ics(session: Session, *, language: str, rsvp: str | None = None) -> bytes:
    with translation.override(language):
        calendar = _calendar(session.workshop.display_title, method="PUBLISH")
        calendar.add_component(session_event(session, rsvp=rsvp))
        return calendar_bytes(calendar)


def person_ics(*, user, language: str) -> bytes:
    """The person's sessions (not those of workshops they declined) and the deadlines of
    their unsubmitted applications."""
    from workshops.selectors import sessions_for_person

    with translation.override(language):
        calendar = _calendar(translation.gettext("Incubator: my workshops"))
        for session in sessions_for_person(user=user, exclude_rsvp=Rsvp.NO):
            calendar.add_component(session_event(session, rsvp=session.person_rsvp))
        for application in Application.objects.select_related("cohort__program").filter(
            applicant=user, status=ApplicationStatus.DRAFT
        ):
            cohort = application.cohort
            event = Event()
            event.add("uid", event_uid("deadline", application.pk))
            event.add("dtstamp", timezone.now())
            event.add("dtstart", cohort.applications_close_at.astimezone(BANGKOK))
            event.add("dtend", cohort.applications_close_at.astimezone(BANGKOK) + timedelta(minutes=30))
            event.add("summary", translation.gettext("Application deadline: %(cohort)s") % {"cohort": cohort})
            event.add("url", settings.SITE_URL + application.get_absolute_url())
            calendar.add_component(event)
        return calendar_bytes(calendar)
