"""Calendar files (RFC 5545, built with `icalendar`): what every app's "add to calendar" and
feeds share. An app builds its own events; this module gives the calendar around them, the
host part of their UIDs, the bytes and the HTTP answer.

An event's UID must stay the same for the life of the thing it shows (a session, a booking),
and its SEQUENCE must rise with every change, so that a calendar that already has the event
updates it instead of adding a second one. Times are written in Asia/Bangkok with the zone's
definition included (`calendar_bytes` adds it).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from icalendar import Calendar


def calendar_host() -> str:
    """The host part of event UIDs (`session-7@<host>`): the site's, stable across deployments."""
    return settings.SITE_URL.split("://", 1)[-1].split("/")[0] or "incubator.local"


def event_uid(kind: str, *ids: object) -> str:
    """A stable UID for one thing: `event_uid("interview", 12, 3)` is `interview-12-3@<host>`."""
    return "-".join([kind, *(str(part) for part in ids)]) + f"@{calendar_host()}"


def calendar_new(*, name: str, prodid: str, method: str | None = None) -> Calendar:
    """An empty calendar named `name`, in Asia/Bangkok; `method` ("PUBLISH") for a one-off file."""
    calendar = Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Bangkok")
    if method:
        calendar.add("method", method)
    return calendar


def calendar_bytes(calendar: Calendar) -> bytes:
    """The calendar as an .ics file, with the definitions of the time zones its events use."""
    calendar.add_missing_timezones()
    return calendar.to_ical()


def ics_response(body: bytes, filename: str) -> HttpResponse:
    """An .ics file for the browser (opened by the phone's calendar), never cached by others."""
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
