"""LINE as an outbox channel: the choice per kind, the deliverer against the fake LINE
(retry keys, 409, 429, quota, 400), fallback to email, the webhook and the channels page."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core import mail as django_mail
from django.db.models import F
from django.urls import reverse

from incubator import channels, delivery, line, line_contacts, mail
from incubator.enums import Channel, ChannelChoice, EmailState, MessageKind
from incubator.models import LineContact, LineQuotaNotice, MessageChannel, OutboundEmail
from incubator.tests.factories import SuperuserFactory, UserFactory
from incubator.tests.line_fixtures import follow_event, signed

pytestmark = pytest.mark.django_db

TEMPLATE = "incubator/test"  # registered below as an application reminder: LINE by default once reachable


@pytest.fixture(autouse=True)
def _test_template_is_a_reminder():
    channels.register_message_kind(TEMPLATE, MessageKind.APPLICATION)
    yield
    channels.KINDS.pop(TEMPLATE, None)


def _reachable(user, line_user_id=None):
    return LineContact.objects.create(user=user, line_user_id=line_user_id or f"U{uuid.uuid4().hex}", is_friend=True)


def _deliver(pk):
    email = delivery.outbox_claim(email_id=pk)
    assert email is not None
    return delivery.outbox_deliver(email=email)


def _queue_reminder(user, key="deadline:1"):
    return mail.queue_mail(key=key, to=user.email, user=user, template=TEMPLATE, context={"name": "สมหญิง"})


# --- the retry key ---------------------------------------------------------------------------------


def test_retry_key_is_the_same_uuid_for_every_send_of_a_key():
    assert line.retry_key("deadline-reminder:12:24") == line.retry_key("deadline-reminder:12:24")
    assert line.retry_key("deadline-reminder:12:24") != line.retry_key("deadline-reminder:12:48")
    assert uuid.UUID(line.retry_key("x")).version == 5


# --- the choice per kind --------------------------------------------------------------------------


def test_channel_is_email_without_line_configured_and_costs_no_query(django_assert_num_queries):
    user = UserFactory()
    _reachable(user)
    with django_assert_num_queries(0):
        assert channels.channels_for(user=user, template=TEMPLATE) == [Channel.EMAIL]


def test_channel_per_kind_follows_the_persons_choice_and_defaults(fake_line):
    user = UserFactory()
    assert channels.channels_for(user=user, template=TEMPLATE) == [Channel.EMAIL]  # not reachable yet
    _reachable(user)
    assert channels.channels_for(user=user, template=TEMPLATE) == [Channel.LINE]  # reminders: LINE by default
    assert channels.channels_for(user=user, template="workshops/announcement") == [Channel.EMAIL]
    assert channels.channels_for(user=user, template=None) == [Channel.EMAIL]  # account emails
    assert channels.channels_for(user=user, template="account/email_confirmation") == [Channel.EMAIL]
    channels.message_channels_set(
        user=user, choices={MessageKind.APPLICATION: ChannelChoice.EMAIL, MessageKind.ANNOUNCEMENT: ChannelChoice.BOTH}
    )
    assert channels.channels_for(user=user, template=TEMPLATE) == [Channel.EMAIL]
    assert channels.channels_for(user=user, template="workshops/announcement") == [Channel.EMAIL, Channel.LINE]
    assert channels.channels_for(user=user, template="coaching/visit_overdue") == [Channel.LINE]


def test_a_friend_who_is_not_linked_or_blocked_gets_email(fake_line):
    user = UserFactory()
    LineContact.objects.create(user=user, line_user_id="Ublocked", is_friend=False)
    assert channels.channels_for(user=user, template=TEMPLATE) == [Channel.EMAIL]


def test_queue_mail_both_writes_the_email_and_a_line_copy(fake_line):
    user = UserFactory()
    _reachable(user)
    channels.message_channels_set(user=user, choices={MessageKind.ANNOUNCEMENT: ChannelChoice.BOTH})
    mail.queue_mail(
        key="announce:1", to=user.email, user=user, template="workshops/announcement",
        context={"recipient_name": "สมหญิง", "subject": "แจ้งข่าว", "body": "พบกันที่ลำปาง", "cohort": None,
                 "my_cohort_url": "https://incubator.example/workshops/"},
    )  # fmt: skip
    rows = dict(OutboundEmail.objects.values_list("key", "channel"))
    assert rows == {"announce:1": Channel.EMAIL, "announce:1:line": Channel.LINE}


def test_queue_mail_bulk_chooses_per_person_in_two_queries(fake_line, django_assert_num_queries):
    people = [UserFactory() for _ in range(4)]
    _reachable(people[0])
    _reachable(people[1])
    channels.message_channels_set(user=people[1], choices={MessageKind.APPLICATION: ChannelChoice.BOTH})
    pairs = [(person, TEMPLATE) for person in people]
    with django_assert_num_queries(3):  # the quota, the reachable people, their choices
        plan = channels.channels_for_many(pairs)
    assert plan == [[Channel.LINE], [Channel.EMAIL, Channel.LINE], [Channel.EMAIL], [Channel.EMAIL]]


def test_set_based_enqueue_chooses_the_channel_in_sql(fake_line):
    User = get_user_model()
    line_only, unreachable, chose_email, both = (UserFactory(full_name=f"คน {n}") for n in range(4))
    for person in (line_only, chose_email, both):
        _reachable(person)
    channels.message_channels_set(user=chose_email, choices={MessageKind.APPLICATION: ChannelChoice.EMAIL})
    channels.message_channels_set(user=both, choices={MessageKind.APPLICATION: ChannelChoice.BOTH})
    ids = mail.queue_mail_from_rows(
        User.objects.filter(pk__in=[line_only.pk, unreachable.pk, chose_email.pk, both.pk]),
        key=["set-test", F("pk")],
        recipient="",
        template=TEMPLATE,
        context=lambda marks: {"name": marks["name"]},
        per_person={"name": mail.recipient_name()},
    )
    assert len(ids) == 5
    rows = set(OutboundEmail.objects.values_list("recipient_user", "channel", "key"))
    assert rows == {
        (line_only.pk, Channel.LINE, f"set-test:{line_only.pk}"),
        (unreachable.pk, Channel.EMAIL, f"set-test:{unreachable.pk}"),
        (chose_email.pk, Channel.EMAIL, f"set-test:{chose_email.pk}"),
        (both.pk, Channel.EMAIL, f"set-test:{both.pk}"),
        (both.pk, Channel.LINE, f"set-test:{both.pk}:line"),
    }


# --- delivery through the fake LINE -----------------------------------------------------------------


def test_line_row_is_pushed_with_its_retry_key_and_one_link(fake_line, settings):
    user = UserFactory()
    contact = _reachable(user)
    email = _queue_reminder(user)
    assert email.channel == Channel.LINE
    assert _deliver(email.pk) == EmailState.SENT
    email.refresh_from_db()
    assert (email.state, email.answer) == (EmailState.SENT, "200 OK")
    (push,) = fake_line.state.pushes
    assert push["to"] == contact.line_user_id
    assert push["retry_key"] == line.retry_key("deadline:1")
    assert push["messages"] == [{"type": "text", "text": f"{email.subject}\n{settings.SITE_URL}"}]
    assert django_mail.outbox == []


def test_a_resend_after_a_lost_worker_is_recognised_by_line_and_counts_as_sent(fake_line):
    user = UserFactory()
    _reachable(user)
    email = _queue_reminder(user)
    # The worker pushed, LINE accepted, and the worker died before marking the row sent.
    line.send_line(OutboundEmail.objects.get(pk=email.pk))
    assert _deliver(email.pk) == EmailState.SENT
    email.refresh_from_db()
    assert "409" in email.answer
    assert len(fake_line.state.pushes) == 1
    assert fake_line.state.conflicts == 1


def test_rate_limit_429_retries_later_on_line(fake_line):
    user = UserFactory()
    _reachable(user)
    email = _queue_reminder(user)
    fake_line.fail(429, message="Too many requests")
    assert _deliver(email.pk) == EmailState.QUEUED
    email.refresh_from_db()
    assert (email.channel, email.answer) == (Channel.LINE, "429 Too many requests")
    assert email.next_attempt_at > email.created_at
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=email.created_at)
    assert _deliver(email.pk) == EmailState.SENT
    assert len(fake_line.state.pushes) == 1


def test_server_error_500_is_retried_not_lost(fake_line):
    user = UserFactory()
    _reachable(user)
    email = _queue_reminder(user)
    fake_line.fail(500, message="Internal error")
    assert _deliver(email.pk) == EmailState.QUEUED
    assert OutboundEmail.objects.get(pk=email.pk).channel == Channel.LINE


def test_unknown_or_blocked_user_400_falls_back_to_email_for_that_message(fake_line):
    user = UserFactory()
    _reachable(user)
    email = _queue_reminder(user)
    fake_line.fail(400, message="Failed to send messages")
    assert _deliver(email.pk) == EmailState.QUEUED
    email.refresh_from_db()
    assert (email.channel, email.attempts, email.answer) == (Channel.EMAIL, 0, "400 Failed to send messages")
    assert _deliver(email.pk) == EmailState.SENT
    assert [message.to for message in django_mail.outbox] == [[user.email]]


def test_monthly_quota_used_up_switches_line_to_email_and_tells_staff_once(fake_line, client):
    user = UserFactory()
    _reachable(user)
    first, second = _queue_reminder(user, "deadline:1"), _queue_reminder(user, "deadline:2")
    fake_line.fail(429, count=2, message="You have reached your monthly limit.")
    assert _deliver(first.pk) == EmailState.QUEUED
    assert LineQuotaNotice.objects.count() == 1
    # Already queued on LINE: goes by email without asking LINE again; new messages choose email.
    assert _deliver(second.pk) == EmailState.QUEUED
    assert fake_line.state.requests == 1
    assert set(OutboundEmail.objects.values_list("channel", flat=True)) == {Channel.EMAIL}
    assert _queue_reminder(user, "deadline:3").channel == Channel.EMAIL
    assert LineQuotaNotice.objects.count() == 1
    client.force_login(SuperuserFactory())
    page = client.get(reverse("admin:incubator_outboundemail_changelist")).content.decode()
    assert page.count("โควตาข้อความรายเดือนของ LINE หมดแล้ว") == 1


def test_line_text_for_staff_written_announcements_is_their_text(fake_line):
    email = OutboundEmail(template="workshops/announcement", subject="แจ้งข่าว", body_text="เรียนทุกท่าน\nพบกันที่ลำปาง\n")
    assert line.line_text(email) == "เรียนทุกท่าน\nพบกันที่ลำปาง"


# --- reachability: unfollow, unlink ------------------------------------------------------------------


def test_unfollow_moves_queued_line_messages_to_email(fake_line):
    user = UserFactory()
    contact = _reachable(user)
    channels.message_channels_set(user=user, choices={MessageKind.APPLICATION: ChannelChoice.BOTH})
    email = _queue_reminder(user)
    assert set(OutboundEmail.objects.values_list("key", "channel")) == {
        ("deadline:1", Channel.EMAIL),
        ("deadline:1:line", Channel.LINE),
    }
    OutboundEmail.objects.filter(pk=email.pk).update(channel=Channel.LINE, key="deadline:0")
    assert line_contacts.line_unfollow(line_user_id=contact.line_user_id) == 1
    rows = dict(OutboundEmail.objects.values_list("key", "channel"))
    assert rows["deadline:0"] == Channel.EMAIL
    copy = OutboundEmail.objects.get(key="deadline:1:line")
    assert copy.state == EmailState.FAILED  # the email copy exists: not sent twice by email
    assert channels.channels_for(user=user, template=TEMPLATE) == [Channel.EMAIL]


# --- the webhook -------------------------------------------------------------------------------------


def test_webhook_refuses_a_bad_signature_and_changes_nothing(fake_line, client):
    user = UserFactory()
    LineContact.objects.create(user=user, line_user_id="Uabc", is_friend=True)
    body, _signature = signed([follow_event("Uabc", "unfollow")])
    _body, wrong = signed([follow_event("Uabc", "unfollow")], secret="not-the-secret")
    for signature in (wrong, "", "garbage"):
        response = client.post(
            "/line/webhook/", body, content_type="application/json", headers={"X-Line-Signature": signature}
        )
        assert response.status_code == 400
    assert LineContact.objects.get(line_user_id="Uabc").is_friend is True


def test_webhook_follow_and_unfollow_update_reachability(fake_line, client):
    user = UserFactory()
    LineContact.objects.create(user=user, line_user_id="Uabc", is_friend=False)
    for kind, friend in (("follow", True), ("unfollow", False), ("follow", True)):
        body, signature = signed([follow_event("Uabc", kind)])
        response = client.post(
            "/line/webhook/", body, content_type="application/json", headers={"X-Line-Signature": signature}
        )
        assert response.status_code == 200
        assert LineContact.objects.get(line_user_id="Uabc").is_friend is friend


def test_webhook_is_404_without_a_channel_secret(client, settings):
    settings.LINE_CHANNEL_SECRET = ""
    body, signature = signed([follow_event("Uabc")])
    response = client.post(
        "/line/webhook/", body, content_type="application/json", headers={"X-Line-Signature": signature}
    )
    assert response.status_code == 404


def test_webhook_answers_get_405(client):
    assert client.get("/line/webhook/").status_code == 405


# --- the Flex message ----------------------------------------------------------------------------------


def test_session_flex_has_thai_buddhist_era_dates_map_calendar_and_alt_text():
    starts = datetime(2026, 11, 14, 9, 0, tzinfo=ZoneInfo("Asia/Bangkok"))
    ends = datetime(2026, 11, 14, 16, 30, tzinfo=ZoneInfo("Asia/Bangkok"))
    flex = line.session_flex(
        heading="เตือนเวิร์กช็อป",
        title="ยุทธศาสตร์การขับเคลื่อนสังคม",
        starts_at=starts,
        ends_at=ends,
        place="ห้องประชุม 2, พังงา",
        calendar_url="https://incubator.example/workshops/sessions/1/calendar.ics",
        cohort_url="https://incubator.example/workshops/",
        language="th",
    )
    assert flex["altText"] == "เตือนเวิร์กช็อป: ยุทธศาสตร์การขับเคลื่อนสังคม, 14 พฤศจิกายน 2569, 09:00–16:30, ห้องประชุม 2, พังงา"
    texts = [item["text"] for item in flex["contents"]["body"]["contents"]]
    assert "14 พฤศจิกายน 2569, 09:00–16:30" in texts
    uris = [button["action"]["uri"] for button in flex["contents"]["footer"]["contents"]]
    assert uris[1].startswith("https://www.google.com/maps/search/?api=1&query=")
    assert "https://incubator.example/workshops/sessions/1/calendar.ics" in uris
    labels = [button["action"]["label"] for button in flex["contents"]["footer"]["contents"]]
    assert labels == ["รุ่นของฉัน", "แผนที่", "เพิ่มลงปฏิทิน"]
    from linebot.v3.messaging import PushMessageRequest

    PushMessageRequest.from_dict({"to": "U1", "messages": [flex]})  # the SDK accepts it


# --- the page of choices ------------------------------------------------------------------------------


def test_channels_page_anonymous_is_sent_to_login(client):
    response = client.get(reverse("message_channels"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_channels_page_without_line_offers_email_only_and_refuses_line(fake_line, client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("message_channels")).content.decode()
    assert 'value="line"' not in page
    response = client.post(reverse("message_channels"), dict.fromkeys(MessageKind.values, "line"))
    assert response.status_code == 200
    assert MessageChannel.objects.count() == 0


def test_channels_page_saves_own_choices_only(fake_line, client):
    user, other = UserFactory(), UserFactory()
    _reachable(user)
    _reachable(other)
    client.force_login(user)
    assert 'value="both"' in client.get(reverse("message_channels")).content.decode()
    data = dict.fromkeys(MessageKind.values, "email") | {MessageKind.WORKSHOP: "both"}
    response = client.post(reverse("message_channels"), data)
    assert response.status_code == 302
    assert channels.choices_for(user)[MessageKind.WORKSHOP] == ChannelChoice.BOTH
    assert MessageChannel.objects.filter(user=other).count() == 0
    response = client.post(reverse("message_channels"), {MessageKind.WORKSHOP: "sms\x00"})
    assert response.status_code == 200
    assert channels.choices_for(user)[MessageKind.WORKSHOP] == ChannelChoice.BOTH


def test_nav_links_the_page_only_when_line_is_on(client, settings):
    client.force_login(UserFactory())
    settings.LINE_CHANNEL_ACCESS_TOKEN = ""
    assert "nav-message-channels" not in client.get("/").content.decode()
    settings.LINE_CHANNEL_ACCESS_TOKEN = "x"
    assert "nav-message-channels" in client.get("/").content.decode()
