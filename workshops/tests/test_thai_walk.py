"""The Thai walk of the workshops app: every page, for each kind of user, in Thai, shows no
English left untranslated; so do the app's admin pages, its emails rendered in Thai and the
texts its scripts show. The detector is incubator/tests/thai.py; the walk's data is Thai, so
every English word found comes from the code."""

import re
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse

from cohorts.enums import CohortStatus
from cohorts.tests.factories import CohortFactory
from incubator.dates import BANGKOK, bangkok_now
from incubator.models import OutboundEmail
from incubator.tests.factories import UserFactory
from incubator.tests.thai import admin_pages, english_in_scripts, english_in_text, english_words, walk_in_thai
from workshops.enums import AttendanceStatus, Rsvp
from workshops.models import Attendance, CalendarFeed, Feedback, Material, Registration, Session
from workshops.services.notices import (
    announcement_send,
    followups_plan,
    reminder_text_save,
    rsvp_reminders_plan,
    session_reminders_plan,
)
from workshops.services.people import qr_payload
from workshops.services.sessions import session_cancel, session_move
from workshops.tests.factories import world

pytestmark = pytest.mark.django_db

EMAIL_TEMPLATES = Path(settings.BASE_DIR) / "templates" / "emails" / "workshops"
STATIC = Path(settings.BASE_DIR) / "workshops" / "static" / "workshops"


@pytest.fixture
def walk(settings, tmp_path):
    """A series whose first workshop began two days ago (feedback open, attendance taken) and
    whose next ones are ahead (RSVP open), with feedback, a material, a cancelled and a moved
    session, an announcement and a custom reminder text."""
    settings.MEDIA_ROOT = tmp_path
    data = world(participants=2, starts_on=bangkok_now().date() - timedelta(days=2))
    series = data["series"]
    first = series.workshops.get(order=1)
    second = series.workshops.get(order=2)
    participant, other = data["participants"]
    session = first.sessions.order_by("starts_at").first()
    Attendance.objects.create(session=session, participant=participant, status=AttendanceStatus.PRESENT)
    Attendance.objects.create(session=session, participant=other, status=AttendanceStatus.LATE)
    Feedback.objects.create(workshop=first, participant=participant, learned="การวางแผน", will_try="ลองทำแผน", rating=5)
    Feedback.objects.create(workshop=first, participant=other, learned="การเงิน", will_try="ทำบัญชี", rating=3)
    Material.objects.create(workshop=first, title="แบบฝึกหัดกลยุทธ์", file=ContentFile(b"slides", name="slides.pdf"))
    Registration.objects.filter(workshop=second, participant=other).update(rsvp=Rsvp.NO, reason="ติดงานบุญ")
    later = second.sessions.order_by("starts_at")
    session_cancel(session=later.last(), reason="วิทยากรป่วย", by=data["staff"])
    moved = later.first()
    session_move(
        session=moved,
        starts_at=moved.starts_at + timedelta(hours=1),
        ends_at=moved.ends_at + timedelta(hours=1),
        reason="ย้ายห้องประชุม",
        by=data["staff"],
    )
    reminder_text_save(series=series, language="th", body="อย่าลืมนำแผนงานมาด้วย", by=data["staff"])
    announcement_send(series=series, workshop=None, subject="เปลี่ยนสถานที่", body="ห้องประชุม 2", by=data["staff"])
    CalendarFeed.objects.create(user=participant.user)
    new_cohort = CohortFactory(program=data["program"], status=CohortStatus.RUNNING, name="รุ่นที่ 9")
    admin_user = UserFactory(full_name="ผู้ดูแลระบบ", is_staff=True, is_superuser=True)
    return {**data, "first": first, "second": second, "session": session, "admin": admin_user, "new_cohort": new_cohort}


def _pages(w):
    participant = w["participants"][0]
    staff, series, session, first = w["staff"], w["series"], w["session"], w["first"]
    return [
        # The participant: my cohort, RSVP and needs, feedback, the check-in code.
        (participant.user, reverse("workshops:my_cohort")),
        (participant.user, reverse("workshops:rsvp", args=[w["second"].pk])),
        (participant.user, reverse("workshops:feedback", args=[first.pk])),
        (participant.user, reverse("workshops:feedback", args=[w["second"].pk])),  # not open yet
        (participant.user, reverse("workshops:checkin", args=[participant.pk])),
        # The staff: series list, series from the template, the series, its sessions, results.
        (staff, reverse("workshops:series_list")),
        (staff, reverse("workshops:series_create", args=[w["new_cohort"].pk])),
        (staff, reverse("workshops:series_detail", args=[series.pk])),
        (staff, reverse("workshops:session_move", args=[session.pk])),
        (staff, reverse("workshops:session_cancel", args=[session.pk])),
        (staff, reverse("workshops:attendance", args=[session.pk])),
        (staff, reverse("workshops:attendance", args=[session.pk]) + "?q=ไม่มีชื่อนี้"),
        (staff, reverse("workshops:series_reminders", args=[series.pk])),
        (staff, reverse("workshops:feedback_results", args=[first.pk])),
        (staff, reverse("workshops:feedback_results", args=[w["second"].pk])),  # no answers yet
        (staff, reverse("workshops:announce", args=[series.pk])),
        (staff, reverse("workshops:reminder_text", args=[series.pk])),
        (staff, reverse("workshops:reminder_text", args=[series.pk]) + "?language=en"),
    ]


def test_workshops_pages_in_thai_show_no_english(client, walk):
    assert walk_in_thai(client, _pages(walk)) == {}


def _posts(w):
    """Forms sent with mistakes (the errors), for a preview, and sent right (the message after)."""
    participant = w["participants"][0]
    staff, series, session = w["staff"], w["series"], w["session"]
    attendance = reverse("workshops:attendance", args=[session.pk])
    return [
        (participant.user, reverse("workshops:rsvp", args=[w["second"].pk]), {"rsvp": "no", "reason": ""}),
        (participant.user, reverse("workshops:rsvp", args=[w["second"].pk]), {"rsvp": "yes"}),
        (participant.user, reverse("workshops:feedback", args=[w["first"].pk]), {"learned": "", "rating": "9"}),
        (
            participant.user,
            reverse("workshops:feedback", args=[w["second"].pk]),
            {"learned": "ก", "will_try": "ข", "rating": "4"},
        ),
        (
            participant.user,
            reverse("workshops:feedback", args=[w["first"].pk]),
            {"learned": "ก", "will_try": "ข", "rating": "4"},
        ),
        (participant.user, reverse("workshops:calendar_link"), {"action": "revoke"}),
        (
            staff,
            reverse("workshops:series_create", args=[w["new_cohort"].pk]),
            {"action": "template", "starts_on": "", "weeks_apart": "0", "topics": "|" + "ก" * 300},
        ),
        (
            staff,
            reverse("workshops:series_create", args=[w["new_cohort"].pk]),
            {"action": "clone", "source": "", "starts_on": "31/02/2027"},
        ),
        (
            staff,
            reverse("workshops:session_move", args=[session.pk]),
            {
                "starts_at_0": "2027-01-10",
                "starts_at_1": "13:00",
                "ends_at_0": "2027-01-10",
                "ends_at_1": "09:00",
                "reason": "ย้าย",
            },
        ),
        (staff, reverse("workshops:session_move", args=[session.pk]), {"starts_at_0": "ไม่ใช่วันที่", "reason": ""}),
        (staff, reverse("workshops:session_cancel", args=[session.pk]), {"reason": ""}),
        (staff, reverse("workshops:session_cancel", args=[session.pk]), {"reason": "ก" * 1001}),
        (
            staff,
            reverse("workshops:series_create", args=[w["new_cohort"].pk]),
            {"action": "template", "starts_on": "9999-12-01", "weeks_apart": "8", "days_per_workshop": "2"},
        ),
        (participant.user, reverse("workshops:rsvp", args=[w["second"].pk]), {"rsvp": "no", "reason": "ก\x00"}),
        (staff, attendance, {"payload": "รหัสผิด"}),
        (staff, attendance, {"payload": ""}),
        (staff, attendance, {"participant": "x", "status": "present"}),
        (staff, attendance, {"payload": qr_payload(participant)}),
        (staff, attendance, {"payload": qr_payload(participant)}),
        (staff, reverse("workshops:announce", args=[series.pk]), {"subject": "", "body": ""}),
        (
            staff,
            reverse("workshops:announce", args=[series.pk]),
            {"subject": "นัดหมาย", "body": "พบกันที่ห้อง 2", "action": "preview"},
        ),
        (
            staff,
            reverse("workshops:announce", args=[series.pk]),
            {"subject": "นัดหมาย", "body": "พบกันที่ห้อง 2", "action": "send"},
        ),
        (staff, reverse("workshops:reminder_text", args=[series.pk]), {"language": "th", "body": "{ไม่มี} {nosuch}"}),
        (
            staff,
            reverse("workshops:reminder_text", args=[series.pk]),
            {"language": "th", "body": "อย่าลืมนำแผนงานมา", "action": "preview"},
        ),
        (
            staff,
            reverse("workshops:reminder_text", args=[series.pk]),
            {"language": "th", "body": "อย่าลืมนำแผนงานมา", "action": "save"},
        ),
        (staff, reverse("workshops:session_cancel", args=[session.pk]), {"reason": "วิทยากรป่วย"}),
    ]


def test_workshops_form_errors_previews_and_messages_in_thai_show_no_english(client, walk):
    found = {}
    for user, url, data in _posts(walk):
        client.logout()
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
        response = client.post(url, data, follow=True)
        assert response.status_code in (200, 400), (url, data, response.status_code)
        words = english_words(response.content.decode())
        if words:
            found[f"{url} {sorted(data.items())}"] = words
    assert found == {}


def test_workshops_emails_in_thai_show_no_english(walk):
    """Every email template of the app, queued by the services for Thai readers."""
    series = walk["series"]
    third = series.workshops.get(order=3)
    third.required = False
    third.save(update_fields=["required"])
    Registration.objects.filter(workshop=third).update(rsvp=Rsvp.PENDING)
    Feedback.objects.filter(workshop=walk["first"], participant=walk["participants"][1]).delete()
    last_end = walk["first"].sessions.order_by("-ends_at").first().ends_at
    with time_machine.travel(last_end + timedelta(hours=25), tick=False):
        followups_plan()
    with time_machine.travel(
        datetime.combine(third.starts_on - timedelta(days=10), time(9), tzinfo=BANGKOK), tick=False
    ):
        rsvp_reminders_plan()
    coming = Session.objects.filter(workshop=walk["second"], status="scheduled").order_by("starts_at").first()
    with time_machine.travel(coming.starts_at - timedelta(hours=20), tick=False):
        session_reminders_plan()

    emails = list(OutboundEmail.objects.filter(template__startswith="workshops/"))
    templates = {path.stem for path in EMAIL_TEMPLATES.glob("*.txt")}
    assert {email.template.removeprefix("workshops/") for email in emails} == templates
    found = {}
    for email in emails:
        words = english_in_text(email.subject + "\n" + email.body_text) + english_words(email.body_html)
        if words:
            found[email.template] = sorted(set(words))
        assert "[" not in email.subject, email.subject
        assert not re.search(r"\b20[2-3]\d\b", email.subject + email.body_text), email.template  # Buddhist Era
    assert found == {}


def test_workshops_admin_in_thai_shows_no_english(client, walk):
    found = walk_in_thai(client, admin_pages("workshops", walk["admin"]))
    found.update(walk_in_thai(client, admin_pages("workshops", walk["staff"])))
    assert found == {}


def test_workshops_scripts_take_their_texts_from_the_translated_page(client, walk):
    assert english_in_scripts(*STATIC.glob("*.js")) == {}
    client.force_login(walk["staff"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    page = client.get(reverse("workshops:attendance", args=[walk["session"].pk])).content.decode()
    assert 'data-no-camera-text="กล้องไม่ทำงาน' in page


def test_workshops_calendars_in_thai_show_no_english(client, walk):
    """What a calendar app shows of a session and of the private feed: name, summary,
    description, place."""
    from icalendar import Calendar

    participant = walk["participants"][0]
    client.force_login(participant.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    session = Session.objects.filter(workshop=walk["second"]).order_by("starts_at").first()
    feed = CalendarFeed.objects.get(user=participant.user)
    found = {}
    for url in (reverse("workshops:session_ics", args=[session.pk]), reverse("workshops:feed", args=[feed.token])):
        calendar = Calendar.from_ical(client.get(url).content)
        texts = [str(calendar.get("x-wr-calname", ""))]
        for event in calendar.walk("VEVENT"):
            texts += [str(event.get(name, "")) for name in ("summary", "description", "location")]
        words = english_in_text("\n".join(texts))
        if words:
            found[url] = words
    assert found == {}
