"""Session reminders and notices: each person, each session, each offset exactly once, whatever
beat did; none for cancelled sessions; change notices for moved ones, never a reminder for the
old time; RSVP reminders, follow-ups, announcements and the staff's own reminder text."""

from collections import Counter
from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection

from incubator.dates import BANGKOK
from incubator.mail import email_template_overrides
from incubator.models import OutboundEmail
from workshops.enums import Rsvp
from workshops.models import Feedback, Registration, Session, Workshop
from workshops.services.notices import (
    announcement_recipients,
    announcement_send,
    followups_plan,
    reminder_text_save,
    rsvp_reminders_plan,
    session_reminders_plan,
)
from workshops.services.sessions import session_cancel, session_move
from workshops.tests.factories import START, world

pytestmark = pytest.mark.django_db


def _first_session(series):
    return Session.objects.filter(workshop__series=series).order_by("starts_at").first()


def _plan_at(moment) -> int:
    with time_machine.travel(moment, tick=False):
        return session_reminders_plan()


def _reminder_keys(session) -> Counter:
    return Counter(
        key.split(":")[3]
        for key in OutboundEmail.objects.filter(key__startswith=f"session-reminder:{session.pk}:").values_list(
            "key", flat=True
        )
    )


def _only_first_workshop(series):
    """Keep one session, so that counts are easy to read."""
    first = _first_session(series)
    Session.objects.filter(workshop__series=series).exclude(pk=first.pk).delete()
    return first


def test_reminders_go_once_per_offset_across_repeated_and_doubled_runs():
    w = world(participants=2)
    session = _only_first_workshop(w["series"])
    start = session.starts_at
    moments = [start - timedelta(days=8)]
    moments += [start - timedelta(hours=h) for h in (168, 167.9, 100, 24, 23.5, 10, 2, 1.9, 1, 0.1)]
    for moment in moments:
        _plan_at(moment)
        _plan_at(moment)  # beat ran twice
    assert _reminder_keys(session) == {"168": 2, "24": 2, "2": 2}
    assert _plan_at(start + timedelta(minutes=5)) == 0


def test_reminders_after_a_skipped_stretch_send_only_the_nearest_offset():
    w = world(participants=1)
    session = _only_first_workshop(w["series"])
    assert _plan_at(session.starts_at - timedelta(hours=90)) == 1  # 7-day window, beat was late
    assert _plan_at(session.starts_at - timedelta(minutes=90)) == 1  # beat down across the 1-day mark
    assert _reminder_keys(session) == {"168": 1, "2": 1}
    assert _plan_at(session.starts_at - timedelta(minutes=30)) == 0


def test_reminders_are_in_the_person_language_with_buddhist_era_dates():
    w = world(participants=1, language="th")
    session = _only_first_workshop(w["series"])
    _plan_at(session.starts_at - timedelta(hours=20))
    email = OutboundEmail.objects.get(key__startswith=f"session-reminder:{session.pk}:")
    assert email.language == "th"
    assert "2570" in email.subject  # 11 January 2027 in the Buddhist Era
    assert "กลยุทธ์การขับเคลื่อนงานสังคม" in email.subject


def test_no_reminders_for_cancelled_sessions_and_a_cancellation_notice_instead():
    w = world(participants=2)
    session = _only_first_workshop(w["series"])
    with time_machine.travel(session.starts_at - timedelta(days=10), tick=False):
        session_cancel(session=session, reason="วิทยากรป่วย")
    for hours in (168, 24, 2):
        assert _plan_at(session.starts_at - timedelta(hours=hours)) == 0
    assert OutboundEmail.objects.filter(key__startswith=f"session-cancel:{session.pk}:").count() == 2
    assert not _reminder_keys(session)


def test_moved_session_gets_a_change_notice_and_reminders_only_for_the_new_time():
    w = world(participants=2)
    session = _only_first_workshop(w["series"])
    old_start = session.starts_at
    _plan_at(old_start - timedelta(hours=160))  # the 7-day reminder for the old time
    new_start = old_start + timedelta(days=1)
    with time_machine.travel(old_start - timedelta(hours=100), tick=False):
        session_move(session=session, starts_at=new_start, ends_at=new_start + timedelta(hours=3), reason="ย้ายห้อง")
    notices = OutboundEmail.objects.filter(key__startswith=f"session-change:{session.pk}:")
    assert notices.count() == 2
    assert "2570" in notices.first().body_text
    # The 7-day window of the new time was already open at the move: the notice covers it.
    for moment in (old_start - timedelta(hours=24), old_start - timedelta(hours=2), old_start - timedelta(minutes=1)):
        assert _plan_at(moment) == 0
    assert _plan_at(new_start - timedelta(hours=23)) == 2
    assert _plan_at(new_start - timedelta(hours=1)) == 2
    keys = sorted(
        OutboundEmail.objects.filter(key__startswith=f"session-reminder:{session.pk}:").values_list("key", flat=True)
    )
    assert Counter(tuple(key.rsplit(":", 2)[1:]) for key in keys) == {("168", "0"): 2, ("24", "1"): 2, ("2", "1"): 2}


def test_people_who_declined_get_no_session_reminder():
    w = world(participants=2)
    session = _only_first_workshop(w["series"])
    Registration.objects.filter(participant=w["participants"][0]).update(rsvp=Rsvp.NO, reason="ติดงานบวช")
    assert _plan_at(session.starts_at - timedelta(hours=20)) == 1


def test_staff_reminder_text_is_data_with_a_few_placeholders():
    w = world(participants=1)
    session = _only_first_workshop(w["series"])
    reminder_text_save(
        series=w["series"], language="th", body="สวัสดี {name} พบกันที่ {workshop} {{ settings.SECRET_KEY }} {% now 'Y' %}"
    )
    _plan_at(session.starts_at - timedelta(hours=20))
    body = OutboundEmail.objects.get(key__startswith=f"session-reminder:{session.pk}:").body_text
    assert "สวัสดี ผู้เข้าร่วม 0 พบกันที่ กลยุทธ์การขับเคลื่อนงานสังคม {{ settings.SECRET_KEY }} {% now 'Y' %}" in body
    with pytest.raises(ValidationError):
        reminder_text_save(series=w["series"], language="th", body="{password}")


def _sessions_at_the_same_time(series, count):
    """The first session and `count - 1` more of the same workshop at the same time, in other rooms."""
    first = _only_first_workshop(series)
    for n in range(1, count):
        Session.objects.create(
            workshop=first.workshop,
            title=f"ห้องย่อย {n}",
            room=f"ห้อง {n}",
            starts_at=first.starts_at,
            ends_at=first.ends_at,
        )
    return first


@pytest.mark.parametrize(("participants", "sessions"), [(1, 1), (6, 4)])
def test_reminder_planning_query_count_is_flat(django_assert_num_queries, participants, sessions):
    w = world(participants=participants)
    first = _sessions_at_the_same_time(w["series"], sessions)
    reminder_text_save(series=w["series"], language="th", body="{name}: {session} {start}")
    email_template_overrides()  # read once per process (whichever test comes first)
    ContentType.objects.get_for_model(Session)
    with time_machine.travel(first.starts_at - timedelta(hours=20), tick=False):
        # The session ids; a savepoint; the sessions, locked; the staff texts; the sent-once
        # rows (INSERT ... SELECT; elsewhere than PostgreSQL one per open offset); the sessions
        # with someone newly marked; their emails (INSERT ... SELECT); release. A doubled run
        # marks nobody and renders nothing.
        queries = 8 if connection.vendor == "postgresql" else 9
        with django_assert_num_queries(queries):
            assert session_reminders_plan() == participants * sessions
        with django_assert_num_queries(queries - 2):
            assert session_reminders_plan() == 0


def test_reminders_fill_in_each_person_and_each_session():
    w = world(participants=2)
    first = _sessions_at_the_same_time(w["series"], 2)
    thai, english = (participant.user for participant in w["participants"])
    english.full_name, english.preferred_language = "Ann <Lee>", "en"
    english.save(update_fields=["full_name", "preferred_language"])
    Workshop.objects.filter(pk=first.workshop_id).update(title_en="Strategy for social change")
    reminder_text_save(series=w["series"], language="th", body="ถึง {name}: {session}")
    reminder_text_save(series=w["series"], language="en", body="To {name}: {session} at {start}")
    assert _plan_at(first.starts_at - timedelta(hours=20)) == 4
    emails = OutboundEmail.objects.filter(key__startswith="session-reminder:")
    by_key = {email.key: email for email in emails}
    assert len(by_key) == 4
    for session in Session.objects.filter(workshop=first.workshop):
        title = session.title or str(session.workshop)
        th = by_key[f"session-reminder:{session.pk}:{thai.pk}:24:0"]
        assert (th.to, th.language, th.recipient_user_id) == (thai.email, "th", thai.pk)
        assert "2570" in th.subject
        assert "กลยุทธ์การขับเคลื่อนงานสังคม" in th.subject
        assert f"ถึง {thai.full_name}: {session.title}" in th.body_text
        en = by_key[f"session-reminder:{session.pk}:{english.pk}:24:0"]
        assert (en.to, en.language) == (english.email, "en")
        assert "Strategy for social change" in en.subject
        assert "2027" in en.subject
        assert "2570" not in en.subject
        assert f"To Ann <Lee>: {session.title} at " in en.body_text
        assert "Ann &lt;Lee&gt;" in en.body_html
        assert "Ann <Lee>" not in en.body_html
        assert en.related_object == session, title


def test_rsvp_reminder_once_for_people_who_have_not_answered():
    w = world(participants=3)
    workshop = w["series"].workshops.get(order=2)
    Workshop.objects.filter(pk=workshop.pk).update(required=False)
    Registration.objects.filter(workshop=workshop).update(rsvp=Rsvp.PENDING)
    Registration.objects.filter(workshop=workshop, participant=w["participants"][0]).update(rsvp=Rsvp.YES)
    before = datetime.combine(workshop.starts_on - timedelta(days=20), datetime.min.time(), tzinfo=BANGKOK)
    inside = datetime.combine(workshop.starts_on - timedelta(days=10), datetime.min.time(), tzinfo=BANGKOK)
    with time_machine.travel(before, tick=False):
        assert rsvp_reminders_plan() == 0
    with time_machine.travel(inside, tick=False):
        assert rsvp_reminders_plan() == 2
        assert rsvp_reminders_plan() == 0
    assert OutboundEmail.objects.filter(key__startswith=f"rsvp-reminder:{workshop.pk}:").count() == 2


def test_followup_goes_once_a_set_time_after_the_last_session_to_those_without_feedback():
    w = world(participants=2)
    workshop = w["series"].workshops.get(order=1)
    last_end = workshop.sessions.order_by("-ends_at").first().ends_at
    Feedback.objects.create(workshop=workshop, participant=w["participants"][0], learned="ก", will_try="ข", rating=5)
    with time_machine.travel(last_end + timedelta(hours=2), tick=False):
        assert followups_plan() == 0
    with time_machine.travel(last_end + timedelta(hours=25), tick=False):
        assert followups_plan() == 1
        assert followups_plan() == 0
    email = OutboundEmail.objects.get(key__startswith=f"workshop-followup:{workshop.pk}:")
    assert f"/workshops/{workshop.pk}/feedback/" in email.body_text


def test_announcement_reaches_the_cohort_or_one_workshop_and_counts_them():
    w = world(participants=3)
    workshop = w["series"].workshops.get(order=1)
    Registration.objects.filter(workshop=workshop, participant=w["participants"][0]).update(rsvp=Rsvp.NO)
    assert announcement_recipients(series=w["series"]).count() == 3
    assert announcement_recipients(series=w["series"], workshop=workshop).count() == 2
    announcement = announcement_send(
        series=w["series"], workshop=workshop, subject="เปลี่ยนสถานที่", body="<b>ห้อง 2</b>", by=w["staff"]
    )
    assert announcement.recipients == 2
    emails = OutboundEmail.objects.filter(key__startswith=f"workshop-announcement:{announcement.pk}:")
    assert emails.count() == 2
    assert "<b>ห้อง 2</b>" in emails.first().body_text
    assert "&lt;b&gt;ห้อง 2&lt;/b&gt;" in emails.first().body_html  # staff text is data, escaped in HTML


def test_start_is_a_monday_in_bangkok():
    assert START.weekday() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_planners_queue_each_reminder_once():
    import threading

    from django.db import connection, connections

    w = world(participants=20)
    session = _only_first_workshop(w["series"])
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(session_reminders_plan(now=session.starts_at - timedelta(hours=20)))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == [0, 20]
    assert _reminder_keys(session) == {"24": 20}
    assert connection.vendor == "postgresql"


def test_beat_runs_the_planners_through_thin_tasks(settings):
    from workshops import tasks

    tasks_by_name = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "workshops.plan_session_reminders",
        "workshops.plan_workshop_notices",
        "workshops.sync_registrations",
    } <= tasks_by_name
    w = world(participants=1)
    session = _only_first_workshop(w["series"])
    with time_machine.travel(session.starts_at - timedelta(hours=20), tick=False):
        assert tasks.plan_session_reminders.delay().get() == 1
        assert tasks.plan_session_reminders.delay().get() == 0
        assert tasks.sync_registrations.delay().get() == 0
        assert tasks.plan_workshop_notices.delay().get() == 0
