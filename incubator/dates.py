"""Time as the programs read it: Asia/Bangkok, and in Thai the Buddhist Era year.

One `BANGKOK` zone for the whole code base, and one way to show a date or a datetime to a
person: `format_date(value)` in the active language (Thai: "6 ธันวาคม 2569", English:
"6 December 2026"). Templates use the `bdate` filter from `{% load dates %}`.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import formats, timezone, translation

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


class _noop:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
