"""Staff see which session reminders go out, and when (issue 12, item 19); the calendar feed
marks an optional workshop the person has not answered as TENTATIVE; wording and layout fixes."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from cohorts.tests.factories import ParticipantFactory
from incubator.dates import BANGKOK
from incubator.tests.factories import UserFactory
from workshops.enums import Rsvp
from workshops.models import Registration, Session
from workshops.services.calendar import feed_get_or_create
from workshops.services.notices import session_reminders_plan
from workshops.services.series import registrations_sync
from workshops.tests.factories import world

pytestmark = pytest.mark.django_db

WHO = ["anonymous", "other_participant", "participant", "other_staff", "staff"]
BEFORE = datetime(2027, 1, 1, 9, 0, tzinfo=BANGKOK)  # ten days before the first session


@pytest.fixture
def w():
    data = world(participants=2)
    data["workshop"] = data["series"].workshops.get(order=1)
    data["session"] = data["workshop"].sessions.order_by("starts_at").first()
    data["participant"] = data["participants"][0]
    return data


def _login(client, w, who):
    users = {
        "other_participant": w["other_participant"].user,
        "participant": w["participant"].user,
        "other_staff": w["other_staff"],
        "staff": w["staff"],
    }
    if who != "anonymous":
        client.force_login(users[who])


@pytest.mark.parametrize("who", WHO)
def test_reminders_page_permission_matrix(client, w, who):
    with time_machine.travel(BEFORE, tick=False):
        _login(client, w, who)
        response = client.get(reverse("workshops:series_reminders", args=[w["series"].pk]))

    assert response.status_code == {"anonymous": 302, "staff": 200}.get(who, 404)
    if who != "staff":
        assert w["workshop"].title.encode() not in response.content


def test_reminders_page_lists_each_offset_with_its_time_in_the_buddhist_era_and_its_state(client, w):
    first = w["session"]
    with time_machine.travel(first.starts_at - timedelta(hours=30), tick=False):
        client.force_login(w["staff"])
        session_reminders_plan()  # the 7-day reminder goes out
        response = client.get(reverse("workshops:series_reminders", args=[w["series"].pk]))

    page = response.content.decode()
    plans = response.context["rows"]
    assert [r.state for _label, r in plans[0]["reminders"]] == ["queued", "planned", "planned"]
    assert plans[0]["reminders"][0][1].queued == 2
    assert plans[0]["plan"].coming == 2
    assert "2570" in page  # 2027 in the Buddhist Era
    assert "10 มกราคม 2570, 09:00" in page  # the 1-day reminder of the Monday 09:00 session
    assert len(plans) == Session.objects.filter(workshop__series=w["series"]).count()


@pytest.mark.parametrize("extra", [0, 6])
def test_reminders_page_query_count_is_flat(client, w, django_assert_num_queries, extra):
    for n in range(extra):
        workshop = w["series"].workshops.create(
            title=f"เวิร์กช็อปเสริม {n}", order=4 + n, starts_on=w["workshop"].starts_on, ends_on=w["workshop"].ends_on
        )
        Session.objects.create(workshop=workshop, starts_at=w["session"].starts_at, ends_at=w["session"].ends_at)
        ParticipantFactory(cohort=w["cohort"], user=UserFactory())
    registrations_sync(series=w["series"])

    with time_machine.travel(BEFORE, tick=False):
        client.force_login(w["staff"])
        with django_assert_num_queries(7):
            assert client.get(reverse("workshops:series_reminders", args=[w["series"].pk])).status_code == 200


def test_an_unanswered_optional_workshop_is_tentative_in_the_feed_and_confirmed_once_answered(client, w):
    optional = w["series"].workshops.get(order=2)
    optional.required = False
    optional.save(update_fields=["required"])
    registration = Registration.objects.get(workshop=optional, participant=w["participant"])
    registration.rsvp = Rsvp.PENDING
    registration.save(update_fields=["rsvp"])
    feed = feed_get_or_create(user=w["participant"].user)
    url = reverse("workshops:feed", args=[feed.token])

    def statuses():
        events = Calendar.from_ical(client.get(url).content).walk("VEVENT")
        return {(str(e["summary"]).split(" · ")[0], str(e["status"])) for e in events}

    before = statuses()
    registration.rsvp = Rsvp.YES
    registration.save(update_fields=["rsvp"])
    after = statuses()

    assert (optional.title, "TENTATIVE") in before
    assert (optional.title, "CONFIRMED") not in before
    assert (w["workshop"].title, "CONFIRMED") in before
    assert (optional.title, "CONFIRMED") in after


def test_required_workshops_say_attendance_is_required_not_an_answer(client, w):
    client.force_login(w["participant"].user)

    page = client.get(reverse("workshops:my_cohort")).content.decode()

    assert "ต้องเข้าร่วม" in page
    assert "จำเป็นต้องตอบ" not in page


def test_reminder_preview_keeps_the_line_breaks(client, w):
    client.force_login(w["staff"])

    response = client.post(
        reverse("workshops:reminder_text", args=[w["series"].pk]),
        {"language": "th", "body": "สวัสดี {name}\nพบกันที่ {place}", "action": "preview"},
    )

    assert "<br>" in response.content.decode().split('data-testid="preview"')[1].split("</div>")[0]


def test_add_to_calendar_and_the_rsvp_link_never_break_inside(client, w):
    client.force_login(w["participant"].user)

    page = client.get(reverse("workshops:my_cohort")).content.decode()

    assert 'class="ms-1 d-inline-block text-nowrap" href="/workshops/sessions/' in page
    assert 'data-testid="rsvp-link"' in page
