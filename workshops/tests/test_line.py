"""Workshop messages on LINE: the set-based session reminders choose LINE for the people who
can be reached there (one statement, the channel in SQL), and LINE gets a Flex message in Thai
with Buddhist Era dates; change notices too; no English left in a Thai LINE message."""

from datetime import timedelta

import pytest
import time_machine

from incubator import delivery
from incubator.enums import Channel, EmailState
from incubator.models import LineContact, OutboundEmail
from incubator.tests.thai import english_in_text
from workshops.models import Session
from workshops.services.notices import reminder_text_save, session_reminders_plan
from workshops.services.sessions import session_move
from workshops.tests.factories import world

pytestmark = pytest.mark.django_db


def _first_session(series):
    first = Session.objects.filter(workshop__series=series).order_by("starts_at").first()
    Session.objects.filter(workshop__series=series).exclude(pk=first.pk).delete()
    return first


def _texts(flex: dict) -> list[str]:
    body = [item["text"] for item in flex["contents"]["body"]["contents"]]
    return [flex["altText"], *body] + [b["action"]["label"] for b in flex["contents"]["footer"]["contents"]]


def _send(email):
    claimed = delivery.outbox_claim(email_id=email.pk)
    return delivery.outbox_deliver(email=claimed)


def test_session_reminders_go_by_line_as_a_thai_flex_message(fake_line):
    w = world(participants=2, language="th")
    on_line, by_email = (participant.user for participant in w["participants"])
    LineContact.objects.create(user=on_line, line_user_id="Uonline", is_friend=True)
    session = _first_session(w["series"])
    reminder_text_save(series=w["series"], language="th", body="สวัสดีคุณ{name} อย่าลืมนำแผนงานมาด้วย")
    with time_machine.travel(session.starts_at - timedelta(hours=20), tick=False):
        assert session_reminders_plan() == 2
    rows = {row.recipient_user_id: row for row in OutboundEmail.objects.filter(key__startswith="session-reminder:")}
    assert {user_id: row.channel for user_id, row in rows.items()} == {
        on_line.pk: Channel.LINE,
        by_email.pk: Channel.EMAIL,
    }
    with time_machine.travel(session.starts_at - timedelta(hours=19)):
        assert _send(rows[on_line.pk]) == EmailState.SENT
    (push,) = fake_line.state.pushes
    (flex,) = push["messages"]
    assert flex["type"] == "flex"
    assert "2570" in flex["altText"]  # 11 January 2027 in the Buddhist Era
    assert "กลยุทธ์การขับเคลื่อนงานสังคม" in flex["altText"]
    assert english_in_text(" ".join(_texts(flex))) == []
    assert f"สวัสดีคุณ{on_line.full_name} อย่าลืมนำแผนงานมาด้วย" in _texts(flex)  # the staff's text, filled in
    uris = [button["action"]["uri"] for button in flex["contents"]["footer"]["contents"]]
    assert any(uri.endswith(f"/workshops/sessions/{session.pk}/calendar.ics") for uri in uris)
    assert any(uri.endswith("/workshops/") for uri in uris)


def test_a_moved_session_notice_goes_by_line_as_flex_with_the_reason(fake_line):
    w = world(participants=1, language="th")
    person = w["participants"][0].user
    LineContact.objects.create(user=person, line_user_id="Umoved", is_friend=True)
    session = _first_session(w["series"])
    with time_machine.travel(session.starts_at - timedelta(days=10), tick=False):
        session_move(
            session=session,
            starts_at=session.starts_at + timedelta(days=1),
            ends_at=session.ends_at + timedelta(days=1),
            reason="ห้องประชุมไม่ว่าง",
        )
        notice = OutboundEmail.objects.get(key__startswith=f"session-change:{session.pk}:")
        assert notice.channel == Channel.LINE
        assert _send(notice) == EmailState.SENT
    (flex,) = fake_line.state.pushes[0]["messages"]
    texts = _texts(flex)
    assert "ห้องประชุมไม่ว่าง" in texts
    assert flex["altText"].startswith("เลื่อนช่วงกิจกรรม")
    assert english_in_text(" ".join(texts)) == []


def test_session_reminders_for_email_and_line_write_one_copy_each(fake_line):
    from incubator.channels import message_channels_set
    from incubator.enums import ChannelChoice, MessageKind

    w = world(participants=3, language="th")
    both, line_only, email_only = (participant.user for participant in w["participants"])
    for n, person in enumerate((both, line_only)):
        LineContact.objects.create(user=person, line_user_id=f"U{n}", is_friend=True)
    message_channels_set(user=both, choices={MessageKind.WORKSHOP: ChannelChoice.BOTH})
    session = _first_session(w["series"])
    with time_machine.travel(session.starts_at - timedelta(hours=20), tick=False):
        session_reminders_plan()
    rows = sorted(
        (row.recipient_user_id, row.channel, row.key.endswith(":line"))
        for row in OutboundEmail.objects.filter(key__startswith="session-reminder:")
    )
    assert rows == sorted(
        [
            (both.pk, Channel.EMAIL, False),
            (both.pk, Channel.LINE, True),
            (line_only.pk, Channel.LINE, False),
            (email_only.pk, Channel.EMAIL, False),
        ]
    )
