"""Pages: permission matrices (anonymous, a participant of another cohort, this participant,
staff of another program, this program's staff), what each page does, and query counts that
stay the same for one row and many."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from icalendar import Calendar

from cohorts.tests.factories import ParticipantFactory
from incubator.dates import BANGKOK
from incubator.models import OutboundEmail
from workshops.enums import AttendanceStatus, Rsvp
from workshops.models import Attendance, CalendarFeed, Feedback, Material, Registration, Session
from workshops.services.calendar import feed_get_or_create
from workshops.services.people import qr_payload
from workshops.tests.factories import world

pytestmark = pytest.mark.django_db

WHO = ["anonymous", "other_participant", "participant", "other_staff", "staff"]


@pytest.fixture
def w(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = world(participants=2)
    data["workshop"] = data["series"].workshops.get(order=1)
    data["session"] = data["workshop"].sessions.order_by("starts_at").first()
    data["material"] = Material.objects.create(
        workshop=data["workshop"], title="แบบฝึกหัดกลยุทธ์", file=ContentFile(b"secret-slides", name="slides.pdf")
    )
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


def _status(client, url):
    response = client.get(url)
    return response.status_code, response


PARTICIPANT_PAGES = {
    # url builder, expected status per person
    "material": (lambda w: reverse("workshops:material", args=[w["material"].pk]), [302, 404, 200, 404, 200]),
    "session_ics": (lambda w: reverse("workshops:session_ics", args=[w["session"].pk]), [302, 404, 200, 404, 200]),
    "feedback": (lambda w: reverse("workshops:feedback", args=[w["workshop"].pk]), [302, 404, 200, 404, 404]),
    "rsvp": (lambda w: reverse("workshops:rsvp", args=[w["workshop"].pk]), [302, 404, 200, 404, 404]),
    "checkin": (lambda w: reverse("workshops:checkin", args=[w["participant"].pk]), [302, 404, 200, 404, 404]),
}

STAFF_PAGES = {
    "series_detail": lambda w: reverse("workshops:series_detail", args=[w["series"].pk]),
    "attendance": lambda w: reverse("workshops:attendance", args=[w["session"].pk]),
    "feedback_results": lambda w: reverse("workshops:feedback_results", args=[w["workshop"].pk]),
    "feedback_export": lambda w: reverse("workshops:feedback_results", args=[w["workshop"].pk]) + "?format=csv",
    "session_move": lambda w: reverse("workshops:session_move", args=[w["session"].pk]),
    "session_cancel": lambda w: reverse("workshops:session_cancel", args=[w["session"].pk]),
    "announce": lambda w: reverse("workshops:announce", args=[w["series"].pk]),
    "reminder_text": lambda w: reverse("workshops:reminder_text", args=[w["series"].pk]),
    "series_create": lambda w: reverse("workshops:series_create", args=[w["cohort"].pk]),
}


@pytest.mark.parametrize("page", list(PARTICIPANT_PAGES))
@pytest.mark.parametrize(("index", "who"), list(enumerate(WHO)))
def test_participant_pages_permission_matrix(client, w, page, index, who):
    url_for, expected = PARTICIPANT_PAGES[page]
    with time_machine.travel(w["session"].starts_at + timedelta(hours=1), tick=True):
        _login(client, w, who)
        status, response = _status(client, url_for(w))
    assert status == expected[index]
    if status == 404:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"secret-slides" not in body
        assert "กลยุทธ์".encode() not in body


@pytest.mark.parametrize("page", list(STAFF_PAGES))
@pytest.mark.parametrize("who", WHO)
def test_staff_pages_permission_matrix(client, w, page, who):
    _login(client, w, who)
    status, response = _status(client, STAFF_PAGES[page](w))
    expected = {"anonymous": 302, "staff": 200}.get(who, 404)
    if page == "series_create" and who == "staff":
        expected = 302  # the cohort has its series already: to the overview
    assert status == expected
    if who in ("other_participant", "participant", "other_staff"):
        assert w["participant"].user.full_name.encode() not in response.content


def test_feed_answers_with_the_token_and_404_once_revoked(client, w):
    user = w["participant"].user
    feed = feed_get_or_create(user=user)
    url = reverse("workshops:feed", args=[feed.token])
    assert client.get(url).status_code == 200
    assert client.get(reverse("workshops:feed", args=["not-a-token"])).status_code == 404
    client.force_login(user)
    client.post(reverse("workshops:calendar_link"), {"action": "revoke"})
    client.logout()
    assert client.get(url).status_code == 404
    new = CalendarFeed.objects.get(user=user)
    assert new.token != feed.token
    assert client.get(reverse("workshops:feed", args=[new.token])).status_code == 200


def test_feed_parses_with_icalendar_in_bangkok_time_and_updates_moved_and_cancelled_sessions(client, w):
    from workshops.services.sessions import session_cancel, session_move

    user = w["participant"].user
    feed = feed_get_or_create(user=user)
    sessions = list(Session.objects.filter(workshop__series=w["series"]).order_by("starts_at"))
    first, second = sessions[0], sessions[1]
    calendar = Calendar.from_ical(client.get(reverse("workshops:feed", args=[feed.token])).content)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert len(events) == 12
    event = events[f"session-{first.pk}@127.0.0.1:8000"]
    start = event.decoded("dtstart")
    assert start == first.starts_at
    assert str(start.tzinfo) == "Asia/Bangkok"
    assert (start.hour, start.minute) == (9, 0)
    assert int(event["sequence"]) == 0
    assert calendar.walk("VTIMEZONE")[0]["tzid"] == "Asia/Bangkok"

    new_start = first.starts_at + timedelta(days=1, hours=1)
    session_move(session=first, starts_at=new_start, ends_at=new_start + timedelta(hours=2), reason="ฝนตกหนัก")
    session_cancel(session=second, reason="วิทยากรป่วย")
    calendar = Calendar.from_ical(client.get(reverse("workshops:feed", args=[feed.token])).content)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    moved = events[f"session-{first.pk}@127.0.0.1:8000"]
    assert moved.decoded("dtstart").astimezone(BANGKOK).hour == 10
    assert int(moved["sequence"]) == 1
    cancelled = events[f"session-{second.pk}@127.0.0.1:8000"]
    assert str(cancelled["status"]) == "CANCELLED"
    assert int(cancelled["sequence"]) == 1


def test_feed_leaves_out_workshops_the_person_declined(client, w):
    user = w["participant"].user
    Registration.objects.filter(participant=w["participant"], workshop=w["workshop"]).update(rsvp=Rsvp.NO)
    feed = feed_get_or_create(user=user)
    calendar = Calendar.from_ical(client.get(reverse("workshops:feed", args=[feed.token])).content)
    assert len(calendar.walk("VEVENT")) == 8


def test_session_add_to_calendar_is_one_event(client, w):
    client.force_login(w["participant"].user)
    response = client.get(reverse("workshops:session_ics", args=[w["session"].pk]))
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [f"session-{w['session'].pk}@127.0.0.1:8000"]


def test_rsvp_no_needs_a_reason_and_keeps_what_was_typed(client, w):
    client.force_login(w["participant"].user)
    url = reverse("workshops:rsvp", args=[w["workshop"].pk])
    response = client.post(url, {"rsvp": "no", "reason": "", "dietary_needs": "มังสวิรัติ"})
    assert response.status_code == 400
    assert "มังสวิรัติ" in response.content.decode()
    assert Registration.objects.get(participant=w["participant"], workshop=w["workshop"]).rsvp == Rsvp.YES
    response = client.post(url, {"rsvp": "no", "reason": "ลูกป่วย", "needs_travel": "on", "dietary_needs": "มังสวิรัติ"})
    assert response.status_code == 302
    registration = Registration.objects.get(participant=w["participant"], workshop=w["workshop"])
    assert (registration.rsvp, registration.reason, registration.needs_travel, registration.dietary_needs) == (
        Rsvp.NO,
        "ลูกป่วย",
        True,
        "มังสวิรัติ",
    )


def test_feedback_is_refused_before_the_workshop_and_saved_after(client, w):
    url = reverse("workshops:feedback", args=[w["workshop"].pk])
    data = {"learned": "วิธีคิดต้นทุนต่อหน่วยผลลัพธ์", "will_try": "คำนวณ impact unit cost", "rating": "4"}
    with time_machine.travel(w["session"].starts_at - timedelta(days=1), tick=True):
        client.force_login(w["participant"].user)
        assert client.post(url, data).status_code == 400
    assert not Feedback.objects.exists()
    with time_machine.travel(w["session"].starts_at + timedelta(days=2), tick=True):
        client.force_login(w["participant"].user)
        assert client.post(url, data).status_code == 302
    assert Feedback.objects.get().rating == 4


def test_attendance_from_the_list_and_by_qr_payload_double_scan_harmless(client, w):
    client.force_login(w["staff"])
    url = reverse("workshops:attendance", args=[w["session"].pk])
    other = w["participants"][1]
    assert client.post(url, {"participant": other.pk, "status": AttendanceStatus.EXCUSED}).status_code == 302
    with time_machine.travel(w["session"].starts_at + timedelta(minutes=5), tick=True):
        client.force_login(w["staff"])
        payload = qr_payload(w["participant"])
        assert client.post(url, {"payload": payload}).status_code == 302
        assert client.post(url, {"payload": payload}).status_code == 302
    assert dict(Attendance.objects.values_list("participant_id", "status")) == {
        other.pk: AttendanceStatus.EXCUSED,
        w["participant"].pk: AttendanceStatus.PRESENT,
    }
    assert Attendance.objects.count() == 2
    # A code from another cohort, or garbage, changes nothing.
    assert client.post(url, {"payload": qr_payload(w["other_participant"])}).status_code == 400
    assert client.post(url, {"payload": "WS1:forged"}).status_code == 400
    assert Attendance.objects.count() == 2
    # Staff of another program cannot mark anyone here.
    client.force_login(w["other_staff"])
    assert client.post(url, {"participant": other.pk, "status": AttendanceStatus.ABSENT}).status_code == 404
    assert Attendance.objects.get(participant=other).status == AttendanceStatus.EXCUSED


def test_attendance_search_finds_by_name(client, w):
    client.force_login(w["staff"])
    response = client.get(reverse("workshops:attendance", args=[w["session"].pk]), {"q": "ผู้เข้าร่วม 1"})
    assert response.content.decode().count('data-testid="person"') == 1


def test_missed_required_workshop_is_flagged(client, w):
    client.force_login(w["staff"])
    workshop_sessions = list(w["workshop"].sessions.all())
    Attendance.objects.create(
        session=workshop_sessions[0], participant=w["participant"], status=AttendanceStatus.PRESENT
    )
    with time_machine.travel(
        w["workshop"].sessions.order_by("-ends_at").first().ends_at + timedelta(hours=1), tick=True
    ):
        client.force_login(w["staff"])
        response = client.get(reverse("workshops:series_detail", args=[w["series"].pk]))
    missed = response.context["missed"]
    assert [(m.participant.pk, m.workshop.pk) for m in missed] == [(w["participants"][1].pk, w["workshop"].pk)]


def test_staff_move_a_session_and_participants_get_a_change_notice(client, w):
    client.force_login(w["staff"])
    session = w["session"]
    new_day = (session.starts_at + timedelta(days=7)).astimezone(BANGKOK).date()
    response = client.post(
        reverse("workshops:session_move", args=[session.pk]),
        {
            "starts_at_0": new_day.isoformat(),
            "starts_at_1": "10:00",
            "ends_at_0": new_day.isoformat(),
            "ends_at_1": "12:00",
            "reason": "ห้องประชุมปิดปรับปรุง",
        },
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.starts_at.astimezone(BANGKOK).hour == 10
    assert OutboundEmail.objects.filter(key__startswith=f"session-change:{session.pk}:").count() == 2


def test_announcement_preview_shows_the_count_then_sends(client, w):
    client.force_login(w["staff"])
    url = reverse("workshops:announce", args=[w["series"].pk])
    data = {"subject": "นัดหมายใหม่", "body": "พบกันที่เชียงราย", "workshop": ""}
    response = client.post(url, {**data, "action": "preview"})
    assert response.context["count"] == 2
    assert not OutboundEmail.objects.filter(key__startswith="workshop-announcement:").exists()
    client.post(url, {**data, "action": "send"})
    assert OutboundEmail.objects.filter(key__startswith="workshop-announcement:").count() == 2


def test_reminder_text_preview_and_refusal_of_unknown_placeholders(client, w):
    client.force_login(w["staff"])
    url = reverse("workshops:reminder_text", args=[w["series"].pk])
    response = client.post(url, {"language": "th", "body": "พบกัน {start} ที่ {place}", "action": "preview"})
    assert "2570" in response.context["preview"]
    response = client.post(url, {"language": "th", "body": "{{ request }} {secret}", "action": "save"})
    assert response.status_code == 400
    assert not w["series"].reminder_texts.exists()


def _grow(w, extra: int):
    for _n in range(extra):
        participant = ParticipantFactory(cohort=w["cohort"])
        for workshop in w["series"].workshops.all():
            Registration.objects.get_or_create(workshop=workshop, participant=participant, defaults={"rsvp": Rsvp.YES})
            Feedback.objects.create(workshop=workshop, participant=participant, learned="ก", will_try="ข", rating=3)
        Attendance.objects.create(session=w["session"], participant=participant, status=AttendanceStatus.PRESENT)


@pytest.mark.parametrize("extra", [0, 6])
def test_staff_pages_query_counts_are_flat(client, w, django_assert_num_queries, extra):
    _grow(w, extra)
    client.force_login(w["staff"])
    pages = [
        (reverse("workshops:attendance", args=[w["session"].pk]), 5),
        (reverse("workshops:series_detail", args=[w["series"].pk]), 7),
        (reverse("workshops:feedback_results", args=[w["workshop"].pk]), 5),
        (reverse("workshops:series_list"), 4),
    ]
    for url, queries in pages:
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200


@pytest.mark.parametrize("extra_workshops", [0, 3])
def test_participant_pages_query_counts_are_flat(client, w, django_assert_num_queries, extra_workshops):
    from workshops.services.series import registrations_sync

    for n in range(extra_workshops):
        workshop = w["series"].workshops.create(
            title=f"เวิร์กช็อปเสริม {n}", order=4 + n, starts_on=w["workshop"].starts_on, ends_on=w["workshop"].ends_on
        )
        Session.objects.create(workshop=workshop, starts_at=w["session"].starts_at, ends_at=w["session"].ends_at)
        Material.objects.create(workshop=workshop, title="ไฟล์", file="x.pdf")
    registrations_sync(series=w["series"])
    user = w["participant"].user
    feed = feed_get_or_create(user=user)
    client.force_login(user)
    with django_assert_num_queries(10):
        assert client.get(reverse("workshops:my_cohort")).status_code == 200
    client.logout()
    with django_assert_num_queries(3):
        assert client.get(reverse("workshops:feed", args=[feed.token])).status_code == 200


def test_staff_create_a_series_with_their_own_topics_and_bad_input_keeps_what_was_typed(client, w):
    from cohorts.tests.factories import CohortFactory
    from workshops.models import WorkshopSeries

    cohort = CohortFactory(program=w["program"])
    client.force_login(w["staff"])
    url = reverse("workshops:series_create", args=[cohort.pk])
    typed = "การสื่อสาร | Communication\nเวทีนำเสนอผลงาน | Public showcase"
    response = client.post(
        url, {"action": "template", "starts_on": "", "weeks_apart": "4", "days_per_workshop": "1", "topics": typed}
    )
    assert response.status_code == 400
    assert "Public showcase" in response.content.decode()
    assert not WorkshopSeries.objects.filter(cohort=cohort).exists()
    response = client.post(
        url,
        {
            "action": "template",
            "starts_on": "2027-03-01",
            "weeks_apart": "4",
            "days_per_workshop": "1",
            "topics": typed,
        },
    )
    series = WorkshopSeries.objects.get(cohort=cohort)
    assert response.status_code == 302
    assert list(series.workshops.order_by("order").values_list("title_en", flat=True)) == [
        "Communication",
        "Public showcase",
    ]


def test_staff_clone_a_past_timeline_from_the_page_and_not_one_of_another_program(client, w):
    from cohorts.tests.factories import CohortFactory
    from workshops.models import WorkshopSeries
    from workshops.services.series import series_create_from_template

    other_series = series_create_from_template(cohort=w["other_participant"].cohort, starts_on=w["series"].starts_on)
    cohort = CohortFactory(program=w["program"])
    client.force_login(w["staff"])
    url = reverse("workshops:series_create", args=[cohort.pk])
    refused = client.post(url, {"action": "clone", "source": other_series.pk, "starts_on": "2028-01-10"})
    assert refused.status_code == 400
    assert not WorkshopSeries.objects.filter(cohort=cohort).exists()
    response = client.post(url, {"action": "clone", "source": w["series"].pk, "starts_on": "2028-01-10"})
    assert response.status_code == 302
    clone = WorkshopSeries.objects.get(cohort=cohort)
    shift = clone.starts_on - w["series"].starts_on
    assert sorted(clone.workshops.values_list("starts_on", flat=True)) == sorted(
        day + shift for day in w["series"].workshops.values_list("starts_on", flat=True)
    )


@pytest.mark.parametrize(
    "url",
    [
        "/staff/workshops/series/1234567890123456789012345/",
        "/staff/workshops/sessions/1234567890123456789012345/attendance/",
        "/coaching/pairs/1234567890123456789012345/",
        "/coaching/visits/1234567890123456789012345/",
    ],
)
def test_oversized_ids_answer_404_not_500(client, url):
    from incubator.tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert client.get(url).status_code == 404


def test_feedback_export_is_in_the_access_log_and_a_refused_one_is_not(client, w):
    from incubator.enums import AccessAction
    from incubator.models import AccessLogEntry

    url = reverse("workshops:feedback_results", args=[w["workshop"].pk]) + "?format=csv"
    _login(client, w, "other_staff")
    refused = client.get(url)
    _login(client, w, "staff")
    client.get(url)

    assert refused.status_code == 404
    assert list(AccessLogEntry.objects.values_list("user_id", "action", "target")) == [
        (w["staff"].pk, AccessAction.EXPORT, "workshops.feedback")
    ]
