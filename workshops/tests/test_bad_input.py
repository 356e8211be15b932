"""Bad input in workshops gets a message on the form and changes nothing (issue 12, items 12,
14 and 15): a series in the year 9999, NUL in the calendar token and the attendance search,
a move or cancel reason longer than the history's 100 characters, a million characters."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from cohorts.tests.factories import CohortFactory
from incubator.dates import BANGKOK
from incubator.models import OutboundEmail
from workshops.models import Announcement, Feedback, Registration, ReminderText, WorkshopSeries
from workshops.services.calendar import feed_get_or_create
from workshops.services.series import series_clone, series_create_from_template
from workshops.services.sessions import session_cancel, session_move
from workshops.tests.factories import world

pytestmark = pytest.mark.django_db

MILLION = "ก" * 1_000_000


@pytest.fixture
def w(client, settings):
    data = world(participants=2)
    data["workshop"] = data["series"].workshops.get(order=1)
    data["session"] = data["workshop"].sessions.order_by("starts_at").first()
    data["participant"] = data["participants"][0]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return data


@pytest.mark.parametrize("starts_on", ["9999-12-01", "2569-11-20", "1066-10-14"])
def test_a_series_starting_in_a_year_the_platform_cannot_plan_gets_a_message(client, w, starts_on):
    cohort = CohortFactory(program=w["program"])
    client.force_login(w["staff"])

    response = client.post(
        reverse("workshops:series_create", args=[cohort.pk]),
        {"action": "template", "starts_on": starts_on, "weeks_apart": 8, "days_per_workshop": 2},
    )

    assert response.status_code == 400
    assert "Please give a date between the years 1900 and 2200" in response.content.decode()
    assert not WorkshopSeries.objects.filter(cohort=cohort).exists()


def test_the_series_service_refuses_dates_past_the_calendar_without_overflow(w):
    cohort = CohortFactory(program=w["program"])

    with pytest.raises(ValidationError):
        series_create_from_template(cohort=cohort, starts_on=date(9999, 12, 1))
    with pytest.raises(ValidationError):
        series_create_from_template(cohort=cohort, starts_on=date(2200, 12, 1))  # the third workshop is in 2201
    with pytest.raises(ValidationError):
        series_clone(source=w["series"], cohort=cohort, starts_on=date(9999, 12, 1))

    assert not WorkshopSeries.objects.filter(cohort=cohort).exists()


def test_nul_or_garbage_in_the_calendar_token_answers_without_a_500(client, w):
    token = feed_get_or_create(user=w["participant"].user).token
    good = reverse("workshops:feed", args=[token])

    assert client.get(good).status_code == 200
    assert client.get(good.replace(token, token + "%00")).status_code == 400
    assert client.get(good.replace(token, "x" * 65)).status_code == 404
    assert client.get(good.replace(token, "%E0%B8%81")).status_code == 404


def test_attendance_search_refuses_nul_and_over_long_text_with_a_message(client, w):
    client.force_login(w["staff"])
    url = reverse("workshops:attendance", args=[w["session"].pk])

    nul = client.get(url, {"q": "ผู้\x00"})
    long = client.get(url, {"q": "ก" * 101})
    found = client.get(url, {"q": "ผู้เข้าร่วม 1"})

    assert nul.status_code == 400
    assert long.status_code == 400
    assert "Please keep this to 100 characters; it has 101 now." in long.content.decode()
    assert found.status_code == 200
    assert "ผู้เข้าร่วม 1" in found.content.decode()


@pytest.mark.parametrize("length", [101, 1000])
def test_a_move_reason_longer_than_the_history_column_is_kept_whole_on_the_session(w, length):
    session = w["session"]
    reason = "ฝ" * length
    start = session.starts_at + timedelta(days=7)

    session_move(session=session, starts_at=start, ends_at=start + timedelta(hours=2), reason=reason)

    session.refresh_from_db()
    assert session.change_reason == reason
    assert len(session.history.latest().history_change_reason) == 100


def test_a_cancel_reason_longer_than_the_history_column_is_kept_whole(w):
    session = session_cancel(session=w["session"], reason="ร" * 500)

    assert len(session.history.latest().history_change_reason) == 100
    assert session.change_reason == "ร" * 500


def test_a_million_character_move_reason_gets_a_message_and_nothing_moves(client, w):
    client.force_login(w["staff"])
    session = w["session"]
    day = (session.starts_at + timedelta(days=7)).astimezone(BANGKOK).date().isoformat()

    response = client.post(
        reverse("workshops:session_move", args=[session.pk]),
        {"starts_at_0": day, "starts_at_1": "10:00", "ends_at_0": day, "ends_at_1": "12:00", "reason": MILLION},
    )

    assert response.status_code == 400
    assert "at most 1000 characters" in response.content.decode()
    assert not OutboundEmail.objects.filter(key__startswith=f"session-change:{session.pk}:").exists()


@pytest.mark.parametrize("when", [("9999-12-31", "10:00"), ("2027-13-01", "10:00"), ("2026-12-01", "25:00")])
def test_a_move_to_a_date_the_calendar_refuses_gets_a_message(client, w, when):
    client.force_login(w["staff"])
    session = w["session"]

    response = client.post(
        reverse("workshops:session_move", args=[session.pk]),
        {"starts_at_0": when[0], "starts_at_1": when[1], "ends_at_0": when[0], "ends_at_1": "23:00", "reason": "ฝน"},
    )

    assert response.status_code == 400
    assert session.__class__.objects.get(pk=session.pk).sequence == session.sequence


def test_a_million_characters_of_feedback_rsvp_announcement_or_reminder_text_are_refused(client, w):
    with time_machine.travel(w["session"].starts_at + timedelta(days=2), tick=True):
        client.force_login(w["participant"].user)
        feedback = client.post(
            reverse("workshops:feedback", args=[w["workshop"].pk]),
            {"learned": MILLION, "will_try": "x", "rating": "4"},
        )
    client.force_login(w["participant"].user)
    rsvp = client.post(reverse("workshops:rsvp", args=[w["workshop"].pk]), {"rsvp": "no", "reason": MILLION})
    client.force_login(w["staff"])
    announce = client.post(
        reverse("workshops:announce", args=[w["series"].pk]),
        {"subject": "นัด", "body": MILLION, "workshop": "", "action": "send"},
    )
    reminder = client.post(
        reverse("workshops:reminder_text", args=[w["series"].pk]), {"language": "th", "body": MILLION, "action": "save"}
    )

    assert [feedback.status_code, rsvp.status_code, announce.status_code, reminder.status_code] == [400] * 4
    assert "at most 3000 characters" in feedback.content.decode()
    assert "at most 5000 characters" in announce.content.decode()
    assert not Feedback.objects.exists()
    assert not Announcement.objects.exists()
    assert not ReminderText.objects.exists()
    assert Registration.objects.get(participant=w["participant"], workshop=w["workshop"]).reason == ""


def test_long_text_boxes_show_their_limit_for_the_live_count(client, w):
    client.force_login(w["staff"])

    page = client.get(reverse("workshops:announce", args=[w["series"].pk])).content.decode()

    assert 'maxlength="5000"' in page
    assert "data-count-text" in page
