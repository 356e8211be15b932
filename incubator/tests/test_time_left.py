"""How long is left (incubator.dates): the page countdown and the email's rounded phrase."""

from datetime import datetime, timedelta

import pytest
from django.utils import translation

from incubator.dates import BANGKOK, time_left, time_left_text

DEADLINE = datetime(2027, 3, 15, 17, 0, tzinfo=BANGKOK)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(days=3, hours=4, minutes=59), "3 days 4 hours left"),
        (timedelta(days=1), "1 day left"),
        (timedelta(hours=5, minutes=20, seconds=30), "5 hours 20 minutes left"),
        (timedelta(hours=5), "5 hours left"),
        (timedelta(minutes=1), "1 minute left"),
        (timedelta(seconds=59), "less than a minute left"),
        (timedelta(0), "closed"),
    ],
)
def test_time_left_reads_days_and_hours_rounded_down(delta, text):
    with translation.override("en"):
        assert time_left(DEADLINE, DEADLINE - delta) == text


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(hours=167, minutes=50), "7 days"),
        (timedelta(days=3, hours=11), "3 days"),
        (timedelta(hours=47, minutes=40), "2 days"),
        (timedelta(hours=30), "1 day, 6 hours"),
        (timedelta(hours=23, minutes=50), "1 day"),
        (timedelta(hours=20, minutes=10), "20 hours"),
        (timedelta(hours=2, minutes=50), "3 hours"),
        (timedelta(minutes=59, seconds=40), "1 hour"),
        (timedelta(minutes=20), "20 minutes"),
        (timedelta(seconds=5), "1 minute"),
    ],
)
def test_time_left_text_rounds_to_a_readable_unit(left, text):
    with translation.override("en"):
        assert time_left_text(left) == text


def test_time_left_text_is_thai_under_thai():
    with translation.override("th"):
        assert time_left_text(timedelta(hours=30)) == "1 วัน, 6 ชั่วโมง"
        assert time_left_text(timedelta(hours=2, minutes=50)) == "3 ชั่วโมง"
