"""Series from the template, cloning a timeline, moving and cancelling sessions, registration."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from cohorts.tests.factories import CohortFactory, ParticipantFactory
from incubator.dates import BANGKOK, format_date
from workshops.enums import Rsvp, SessionStatus
from workshops.models import Registration, ReminderText, Session, Workshop
from workshops.selectors import series_workshops, session_overlaps
from workshops.services.series import Topic, registrations_sync, series_clone, series_create_from_template
from workshops.services.sessions import session_cancel, session_move
from workshops.tests.factories import START, world

pytestmark = pytest.mark.django_db


def test_series_from_template_has_three_workshops_eight_weeks_apart_with_the_default_topics():
    w = world()
    workshops = list(w["series"].workshops.order_by("order"))
    assert [ws.title_en for ws in workshops] == [
        "Strategy for driving social change",
        "Social-entrepreneur financial thinking and planning",
        "Managing and growing the team through transition",
    ]
    assert [ws.title for ws in workshops][0] == "กลยุทธ์การขับเคลื่อนงานสังคม"
    assert [ws.starts_on for ws in workshops] == [START, START + timedelta(weeks=8), START + timedelta(weeks=16)]
    assert [ws.ends_on for ws in workshops] == [ws.starts_on + timedelta(days=1) for ws in workshops]
    first = list(workshops[0].sessions.order_by("starts_at"))
    assert [(s.starts_at.astimezone(BANGKOK).time(), s.ends_at.astimezone(BANGKOK).time()) for s in first] == [
        (time(9), time(12)),
        (time(13), time(16, 30)),
        (time(9), time(12)),
        (time(13), time(16, 30)),
    ]
    assert all(ws.required for ws in workshops)


def test_series_from_template_takes_other_topics_and_spacing():
    cohort = CohortFactory()
    series = series_create_from_template(
        cohort=cohort,
        starts_on=date(2027, 2, 1),
        topics=[Topic("การสื่อสาร", "Communication"), Topic("เวทีแลกเปลี่ยนเรียนรู้", "Learning-exchange forum")],
        weeks_apart=4,
        days_per_workshop=1,
    )
    assert list(series.workshops.order_by("order").values_list("title_en", "starts_on", "ends_on")) == [
        ("Communication", date(2027, 2, 1), date(2027, 2, 1)),
        ("Learning-exchange forum", date(2027, 3, 1), date(2027, 3, 1)),
    ]
    assert Session.objects.filter(workshop__series=series).count() == 4


def test_series_from_template_refuses_a_second_series_for_the_cohort():
    w = world(participants=0)
    with pytest.raises(ValidationError):
        series_create_from_template(cohort=w["cohort"], starts_on=START)


def test_series_registers_participants_for_required_workshops():
    w = world(participants=3)
    assert Registration.objects.filter(workshop__series=w["series"], rsvp=Rsvp.YES).count() == 9


def test_registrations_sync_adds_newcomers_keeps_answers_and_asks_rsvp_for_optional_workshops():
    w = world(participants=1)
    workshop = w["series"].workshops.get(order=3)
    Workshop.objects.filter(pk=workshop.pk).update(required=False)
    Registration.objects.filter(workshop__series=w["series"]).update(rsvp=Rsvp.NO, reason="ป่วย")
    newcomer = ParticipantFactory(cohort=w["cohort"])
    assert registrations_sync(series=w["series"]) == 3
    assert registrations_sync(series=w["series"]) == 0
    assert Registration.objects.get(workshop=workshop, participant=newcomer).rsvp == Rsvp.PENDING
    assert Registration.objects.filter(participant=w["participants"][0], rsvp=Rsvp.NO).count() == 3


def test_clone_shifts_every_date_by_the_same_amount():
    w = world(participants=1)
    source = w["series"]
    ReminderText.objects.create(series=source, language="th", body="อย่าลืม {workshop}")
    source.reminder_offsets = [72, 3]
    source.save()
    cancelled = Session.objects.filter(workshop__series=source).order_by("starts_at").last()
    session_cancel(session=cancelled, reason="ห้องไม่ว่าง")
    new_cohort = CohortFactory(program=w["program"])
    new_start = START + timedelta(days=365)
    clone = series_clone(source=source, cohort=new_cohort, starts_on=new_start)
    shift = timedelta(days=365)
    old = {ws.order: ws for ws in source.workshops.all()}
    for workshop in clone.workshops.all():
        assert workshop.starts_on == old[workshop.order].starts_on + shift
        assert workshop.ends_on == old[workshop.order].ends_on + shift
        assert workshop.title == old[workshop.order].title
    old_times = sorted(
        (s.starts_at + shift, s.ends_at + shift)
        for s in Session.objects.filter(workshop__series=source, status=SessionStatus.SCHEDULED)
    )
    new_times = sorted((s.starts_at, s.ends_at) for s in Session.objects.filter(workshop__series=clone))
    assert new_times == old_times
    assert len(new_times) == 11
    assert clone.reminder_offsets == [72, 3]
    assert list(clone.reminder_texts.values_list("language", "body")) == [("th", "อย่าลืม {workshop}")]


def test_overlapping_sessions_are_flagged():
    w = world(participants=0)
    first, second = Session.objects.filter(workshop__series=w["series"]).order_by("starts_at")[:2]
    assert session_overlaps(series_workshops(series=w["series"])) == set()
    session_move(
        session=second,
        starts_at=first.starts_at + timedelta(hours=1),
        ends_at=first.ends_at + timedelta(hours=2),
        reason="วิทยากรติดธุระ",
    )
    assert session_overlaps(series_workshops(series=w["series"])) == {first.pk, second.pk}


def test_session_move_keeps_the_reason_in_history_and_raises_the_revision():
    w = world(participants=1)
    session = Session.objects.filter(workshop__series=w["series"]).first()
    new_start = session.starts_at + timedelta(days=1)
    moved = session_move(
        session=session, starts_at=new_start, ends_at=new_start + timedelta(hours=3), reason="น้ำท่วมถนน"
    )
    assert moved.sequence == 1
    latest = moved.history.first()
    assert latest.history_change_reason == "น้ำท่วมถนน"
    assert latest.starts_at == new_start
    assert moved.history.count() == 2


def test_session_move_needs_a_reason_and_changes_nothing_without_one():
    w = world(participants=0)
    session = Session.objects.filter(workshop__series=w["series"]).first()
    with pytest.raises(ValidationError):
        session_move(
            session=session,
            starts_at=session.starts_at + timedelta(days=1),
            ends_at=session.ends_at + timedelta(days=1),
            reason=" ",
        )
    session.refresh_from_db()
    assert session.sequence == 0


def test_dates_read_in_thai_with_the_buddhist_era():
    moment = datetime(2027, 1, 11, 9, 0, tzinfo=BANGKOK)
    assert format_date(moment, with_time=True, language="th") == "11 มกราคม 2570, 09:00"
    assert format_date(moment, with_time=True, language="en") == "11 January 2027, 09:00"


def test_next_workshops_by_cohort_gives_the_first_workshop_not_yet_over(time_machine):
    from workshops.selectors import next_workshops_by_cohort

    w = world()
    first, second, _third = list(w["series"].workshops.order_by("order"))
    time_machine.move_to(datetime.combine(first.ends_on + timedelta(days=1), time(9), tzinfo=BANGKOK))

    found = next_workshops_by_cohort([w["cohort"].pk, 999_999])

    assert found == {w["cohort"].pk: second}


def test_coach_workspace_shows_the_next_workshop_through_the_settings_hook(client, time_machine):
    from coaching.tests.factories import CoachProfileFactory, MatchFactory

    w = world()
    first = w["series"].workshops.order_by("order").first()
    time_machine.move_to(datetime.combine(first.starts_on - timedelta(days=3), time(9), tzinfo=BANGKOK))
    coach = CoachProfileFactory(cohorts=[w["cohort"]])
    MatchFactory(cohort=w["cohort"], coach=coach)
    client.force_login(coach.user)

    body = client.get("/coaching/").content.decode()

    assert first.title in body
    assert format_date(first.starts_on, language="th") in body
