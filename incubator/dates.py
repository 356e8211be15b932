"""Time as the programs read it: Asia/Bangkok, and in Thai the Buddhist Era year.

One `BANGKOK` zone for the whole code base, and one way to show a date or a datetime to a
person: `format_date(value)` in the active language (Thai: "6 ธันวาคม 2569", English:
"6 December 2026"). Templates use the `bdate` filter from `{% load dates %}`.

How long is left, in the active language: `time_left_text(delta)` rounds to a readable unit
for emails planned ahead ("7 days", "1 day, 6 hours"); `time_left(deadline)` is the countdown
a page shows, rounded down so that it never promises more time than there is ("3 days
4 hours left", "closed").

Dates a person types or a service builds stay in the years the platform can plan in
(`MIN_YEAR`..`MAX_YEAR`): `DateRangeValidator` on every date field (a year 9999 or a Buddhist
Era year typed as 2569 gets a message, never an OverflowError later when weeks are added),
`shift_date(day, days=..., weeks=...)` for every date a service computes (ValidationError, not
OverflowError), and `parse_iso_date(text)` for dates read by hand (None for "2027-13-01").
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import formats, timezone, translation
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

BANGKOK = ZoneInfo("Asia/Bangkok")
BUDDHIST_ERA_OFFSET = 543


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MIN_YEAR = 1900
MAX_YEAR = 2200


def _out_of_range() -> ValidationError:
    return ValidationError(
        _("Please give a date between the years %(first)s and %(last)s (Common Era, e.g. 2026)."),
        code="date_out_of_range",
        params={"first": MIN_YEAR, "last": MAX_YEAR},
    )


@deconstructible
class DateRangeValidator:
    """Refuse a date or datetime outside `MIN_YEAR`..`MAX_YEAR`."""

    def __call__(self, value) -> None:
        if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise _out_of_range()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DateRangeValidator)

    def __hash__(self) -> int:
        return hash("DateRangeValidator")


def shift_date(day: date, *, days: int = 0, weeks: int = 0) -> date:
    """`day` moved by `days` and `weeks`; a result outside `MIN_YEAR`..`MAX_YEAR` (or past what
    the calendar holds) raises `ValidationError` instead of OverflowError."""
    try:
        result = day + timedelta(days=days, weeks=weeks)
    except OverflowError:
        raise _out_of_range() from None
    DateRangeValidator()(result)
    return result


def parse_iso_date(text: str | None) -> date | None:
    """A "YYYY-MM-DD" date, or None when it is not one or the calendar refuses it
    ("2027-13-01", "2027-02-30") or it is outside `MIN_YEAR`..`MAX_YEAR`."""
    text = (text or "").strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if MIN_YEAR <= value.year <= MAX_YEAR else None


def bangkok_now() -> datetime:
    return timezone.now().astimezone(BANGKOK)


def to_bangkok(value: datetime) -> datetime:
    """An aware datetime in Asia/Bangkok (a naive one is taken as Bangkok time)."""
    if timezone.is_naive(value):
        return value.replace(tzinfo=BANGKOK)
    return value.astimezone(BANGKOK)


def _is_thai(language: str | None) -> bool:
    return (language or translation.get_language() or "th").split("-")[0] == "th"


def format_date(value: date | datetime | None, *, with_time: bool = False, language: str | None = None) -> str:
    """`value` as a person reads it, in `language` (default: the active one).

    Thai gives the Buddhist Era year (2026 -> 2569); English keeps the Gregorian year.
    Datetimes are shown in Asia/Bangkok; `with_time` adds "HH:MM".
    """
    if value is None:
        return ""
    with translation.override(language) if language else _noop():
        if isinstance(value, datetime):
            value = to_bangkok(value)
        day = value.date() if isinstance(value, datetime) else value
        text = formats.date_format(day, "j F")
        year = day.year + BUDDHIST_ERA_OFFSET if _is_thai(language) else day.year
        text = f"{text} {year}"
        if with_time and isinstance(value, datetime):
            text = f"{text}, {value:%H:%M}"
        return text


def _days(count: int) -> str:
    return ngettext("%d day", "%d days", count) % count


def _hours(count: int) -> str:
    return ngettext("%d hour", "%d hours", count) % count


def _minutes(count: int) -> str:
    return ngettext("%d minute", "%d minutes", count) % count


def _round_half_up(value: float) -> int:
    return int(value + 0.5)


def time_left_text(delta: timedelta) -> str:
    """How long is left, in the active language: "7 days", "1 day, 6 hours", "3 hours", "20 minutes".

    Rounded to the nearest minute (under an hour), hour (under two days) or day, because
    beat plans a few minutes after a window opens: 167 h 50 min left reads "7 days".
    The phrases use Django's own msgids ("%d day", ...), which its Thai catalog translates.
    """
    minutes = max(1, _round_half_up(delta.total_seconds() / 60))
    if minutes < 60:
        return _minutes(minutes)
    hours = _round_half_up(minutes / 60)
    if hours < 24:
        return _hours(hours)
    if hours < 48:
        rest = hours - 24
        return gettext(", ").join([_days(1), _hours(rest)]) if rest else _days(1)
    return _days(_round_half_up(hours / 24))


def time_left(deadline: datetime, now: datetime | None = None) -> str:
    """How long until `deadline`, rounded down, in the active language: "3 days 4 hours left",
    "5 hours 20 minutes left", "less than a minute left"; "closed" once passed."""
    seconds = int((deadline - (now or timezone.now())).total_seconds())
    if seconds <= 0:
        return gettext("closed")
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        parts = [_days(days), _hours(hours) if hours else ""]
    elif hours:
        parts = [_hours(hours), _minutes(minutes) if minutes else ""]
    elif minutes:
        parts = [_minutes(minutes)]
    else:
        return gettext("less than a minute left")
    return gettext("%(time)s left") % {"time": " ".join(part for part in parts if part)}


class _noop:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
