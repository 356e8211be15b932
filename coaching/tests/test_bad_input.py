"""Bad input in coaching gets a message on the form and changes nothing (issue 12, items 13-15)."""

import html
import json

import pytest
from django.urls import reverse

from coaching.models import ActionItem, Match, Visit
from incubator.validators import NOTE_MAX, TEXT_MAX

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


CLIENT_ID = "6f1c9a52-5d43-4c55-9d16-2c8d8f6f2f10"


def _visit(**extra):
    return {"client_id": CLIENT_ID, "visited_on": "2026-11-28", "mode": "on_site", "phase": "strategy",
            "observations": "x", **extra}  # fmt: skip


@pytest.mark.parametrize("due", ["2027-13-01", "2027-02-30", "9999-12-31", "2569-01-01", "๒๕๖๙-๐๑-๐๑"])
def test_visit_with_an_action_due_on_a_date_the_calendar_refuses_gets_a_message(client, world, due):
    client.force_login(world.coach)
    visits, actions = Visit.objects.count(), ActionItem.objects.count()

    response = client.post(
        reverse("coaching:visit_new", kwargs={"pk": world.match.pk}),
        _visit(action_title="ทำบัญชีรายรับรายจ่าย", action_owner="leader", action_due=due),
    )

    assert response.status_code == 400
    assert "Give the action's due date as a date." in html.unescape(response.content.decode())
    assert (Visit.objects.count(), ActionItem.objects.count()) == (visits, actions)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"action_title": "a\x00b", "action_owner": "leader"}, "Null characters are not allowed."),
        ({"action_title": "ก" * 301, "action_owner": "leader"}, "Please keep an action to 300 characters"),
        ({"observations": "ก" * (TEXT_MAX + 1)}, "at most 3000 characters (it has 3001)"),
        ({"wellbeing_note": "ก" * (NOTE_MAX + 1)}, "at most 1000 characters (it has 1001)"),
        ({"observations": "a\x00b"}, "Null characters are not allowed."),
        ({"visited_on": "9999-12-31"}, "Please give a date between the years 1900 and 2200"),
        ({"next_visit_on": "2027-13-01"}, "Enter a valid date."),
    ],
)
def test_visit_with_nul_too_long_text_or_impossible_date_gets_a_message(client, world, extra, message):
    client.force_login(world.coach)
    before = Visit.objects.count()

    response = client.post(reverse("coaching:visit_new", kwargs={"pk": world.match.pk}), _visit(**extra))

    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert Visit.objects.count() == before


def test_a_million_character_match_end_reason_gets_a_message_and_the_match_stays(client, world):
    client.force_login(world.staff)

    response = client.post(
        reverse("coaching:match_end", kwargs={"pk": world.match.pk}), {"reason": "ก" * 1_000_000}, follow=True
    )

    assert "1,000" in response.content.decode() or "1000" in response.content.decode()
    assert Match.objects.get(pk=world.match.pk).status == world.match.status


def test_a_million_character_bio_gets_a_message_and_is_not_stored(client, world):
    client.force_login(world.coach)

    response = client.post(reverse("coaching:profile"), {"kind": "intrapreneur", "capacity": 1, "bio": "ก" * 1_000_000})

    assert response.status_code in (200, 400)
    assert world.coach.coach_profile.__class__.objects.get(user=world.coach).bio == ""


def test_a_draft_with_nul_is_kept_without_it(client, world):
    client.force_login(world.coach)

    response = client.post(
        reverse("coaching:visit_draft", kwargs={"pk": world.match.pk}),
        json.dumps({"client_id": CLIENT_ID, "draft": {"observations": "ดิน\x00ดี"}}),
        content_type="application/json",
    )

    assert response.status_code in (200, 201)
    assert Visit.objects.get(client_id=CLIENT_ID).draft == {"observations": "ดินดี"}


def test_match_end_reason_longer_than_history_column_is_kept_whole_on_the_match(world):
    from coaching.services.matches import match_end

    reason = "เหตุผล " * 40

    match = match_end(match=world.match, by=world.staff, reason=reason)

    assert match.ended_reason == reason.strip()
    assert len(match.history.latest().history_change_reason) == 100
