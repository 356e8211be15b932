"""Time as the programs read it: Asia/Bangkok, and in Thai the Buddhist Era year.

One `BANGKOK` zone for the whole code base, and one way to show a date or a datetime to a
person: `format_date(value)` in the active language (Thai: "6 ธันวาคม 2569", English:
"6 December 2026"). Templates use the `bdate` filter from `{% load dates %}`.

How long is left, in the active language: `time_left_text(delta)` rounds to a readable unit
for emails planned ahead ("7 days", "1 day, 6 hours"); `time_left(deadline)` is the countdown
a page shows, rounded down so that it never promises more time than there is ("3 days
4 hours left", "closed").
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext

BANGKOK = ZoneInfo("Asia/Bangkok")
BUDDHIST_ERA_OFFSET = 543


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
