"""The outbox on whatever database the suite runs on, with tasks run in-process."""

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail as django_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from incubator import delivery, mail
from incubator.enums import EmailState
from incubator.models import EmailTemplate, OutboundEmail
from incubator.tasks import outbox_send, outbox_sweep
from incubator.tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db


def _queue(key="k-1", **kwargs):
    defaults = {"to": "malee@example.org", "template": "incubator/test", "context": {"name": "มาลี"}}
    return mail.queue_mail(key=key, **{**defaults, **kwargs})


def test_queue_mail_renders_in_thai_by_default_and_sends_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = _queue()
    email.refresh_from_db()
    assert email.state == EmailState.SENT
    assert email.attempts == 1
    assert email.sent_at is not None
    assert len(django_mail.outbox) == 1
    assert django_mail.outbox[0].extra_headers["X-Outbox-Key"] == "k-1"
    assert "มาลี" in email.body_text


def test_queue_mail_renders_in_the_recipients_language():
    user = UserFactory(preferred_language="en", email="en@example.org")
    email = mail.queue_mail(key="en-1", to=user.email, user=user, template="incubator/test", context={"name": "Ann"})
    assert email.language == "en"
    assert email.subject == "Test message from the platform"


def test_same_key_queued_twice_yields_one_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _queue()
        second = _queue()
    assert first.pk == second.pk
    assert OutboundEmail.objects.count() == 1
    assert len(django_mail.outbox) == 1


def test_nothing_is_dispatched_when_the_callers_transaction_rolls_back(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                _queue()
                raise RuntimeError("the change that caused the mail failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not OutboundEmail.objects.exists()
    assert django_mail.outbox == []


def test_a_staff_edited_template_wins_over_the_file_template():
    EmailTemplate.objects.create(
        name="incubator/test", language="th", subject="เรื่องใหม่ {{ name }}", body_text="สวัสดี {{ name }} & ขอบคุณ"
    )
    email = _queue()
    assert email.subject == "เรื่องใหม่ มาลี"
    assert email.body_text.strip() == "สวัสดี มาลี & ขอบคุณ"


def test_broker_down_at_commit_keeps_the_row_queued_and_the_request_succeeds(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(outbox_send, "apply_async", side_effect=ConnectionRefusedError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        email = _queue()
    email.refresh_from_db()
    assert email.state == EmailState.QUEUED
    assert django_mail.outbox == []
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        outbox_sweep.delay()
    email.refresh_from_db()
    assert email.state == EmailState.SENT
    assert len(django_mail.outbox) == 1


def test_transient_smtp_error_retries_with_backoff_then_sends():
    email = _queue()
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=smtplib.SMTPServerDisconnected("connection lost"),
    ):
        claimed = delivery.outbox_claim(email_id=email.pk)
        state = delivery.outbox_deliver(email=claimed)
    email.refresh_from_db()
    assert state == EmailState.QUEUED
    assert email.attempts == 1
    assert "SMTPServerDisconnected" in email.last_error
    assert email.next_attempt_at > timezone.now() + timedelta(seconds=20)
    # Not due yet: a worker that gets the message early does nothing.
    assert delivery.outbox_claim(email_id=email.pk) is None
    with time_machine.travel(email.next_attempt_at + timedelta(seconds=1)):
        outbox_send.delay(email.pk)
    email.refresh_from_db()
    assert email.state == EmailState.SENT
    assert email.attempts == 2
    assert len(django_mail.outbox) == 1


def test_permanent_smtp_error_ends_failed_with_the_error_kept():
    email = _queue()
    refused = smtplib.SMTPRecipientsRefused({"malee@example.org": (550, b"mailbox unavailable")})
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=refused):
        outbox_send.delay(email.pk)
    email.refresh_from_db()
    assert email.state == EmailState.FAILED
    assert "mailbox unavailable" in email.last_error


def test_transient_errors_give_up_after_the_maximum_attempts(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    email = _queue()
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=TimeoutError("smtp timeout")
    ):
        for _ in range(2):
            OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
            claimed = delivery.outbox_claim(email_id=email.pk)
            delivery.outbox_deliver(email=claimed)
    email.refresh_from_db()
    assert email.state == EmailState.FAILED
    assert email.attempts == 2


def test_sweeper_recovers_a_row_stuck_in_sending_and_sends_it_once():
    email = _queue()
    assert delivery.outbox_claim(email_id=email.pk) is not None  # the worker claimed it, then died
    outbox_sweep.delay()  # too early: the claim is still fresh
    assert OutboundEmail.objects.get(pk=email.pk).state == EmailState.SENDING
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        result = outbox_sweep()
        outbox_sweep.delay()
    email.refresh_from_db()
    assert result == {"recovered": 1, "dispatched": 1}
    assert email.state == EmailState.SENT
    assert len(django_mail.outbox) == 1


def test_a_second_worker_cannot_claim_a_claimed_row():
    email = _queue()
    assert delivery.outbox_claim(email_id=email.pk) is not None
    assert delivery.outbox_claim(email_id=email.pk) is None


def test_sweeper_leaves_freshly_queued_rows_to_the_on_commit_dispatch():
    _queue()
    assert outbox_sweep() == {"recovered": 0, "dispatched": 0}


def test_purge_deletes_only_old_sent_mail():
    old = _queue(key="old")
    OutboundEmail.objects.filter(pk=old.pk).update(state=EmailState.SENT, sent_at=timezone.now() - timedelta(days=200))
    _queue(key="new")
    assert delivery.outbox_purge() == 1
    assert list(OutboundEmail.objects.values_list("key", flat=True)) == ["new"]


def test_staff_resend_a_failed_email_from_admin(client, django_capture_on_commit_callbacks):
    email = _queue()
    OutboundEmail.objects.filter(pk=email.pk).update(state=EmailState.FAILED, attempts=6, last_error="550")
    client.force_login(SuperuserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:incubator_outboundemail_changelist"),
            {"action": "resend", "_selected_action": [email.pk]},
        )
    assert response.status_code == 302
    email.refresh_from_db()
    assert email.state == EmailState.SENT
    assert email.attempts == 1
    assert len(django_mail.outbox) == 1


def test_outbox_admin_lists_and_filters_with_a_flat_query_count(client, django_assert_num_queries):
    client.force_login(SuperuserFactory())
    url = reverse("admin:incubator_outboundemail_changelist")
    _queue(key="one")
    with django_assert_num_queries(7):
        assert client.get(url, {"state": "queued"}).status_code == 200
    for n in range(30):
        _queue(key=f"many-{n}", to=f"p{n}@example.org", user=UserFactory())
    with django_assert_num_queries(7):
        response = client.get(url, {"state": "queued"})
    assert response.status_code == 200
    assert "p29@example.org" in response.content.decode()


def test_outbox_admin_is_for_staff_only(client):
    email = _queue()
    client.force_login(UserFactory())
    assert client.get(reverse("admin:incubator_outboundemail_change", args=[email.pk])).status_code in (302, 403)


def test_sweeper_re_dispatches_a_waiting_row_once_per_grace_period():
    email = _queue()  # its on-commit dispatch never reached a worker
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=3)),
        mock.patch.object(outbox_send, "apply_async") as publish,
    ):
        first = outbox_sweep()
        second = outbox_sweep()
    assert (first["dispatched"], second["dispatched"]) == (1, 0)
    publish.assert_called_once_with(args=[email.pk], retry=False)


def test_many_emails_are_published_in_batches_and_sent_once(django_capture_on_commit_callbacks, settings):
    from incubator.tasks import outbox_send_many

    with (
        mock.patch.object(outbox_send_many, "apply_async", wraps=outbox_send_many.apply_async) as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        for n in range(450):
            _queue(key=f"bulk-{n}", to=f"b{n}@example.org")
    assert publish.call_count == 3  # one transaction: 200 + 200 + 50 ids, not 450 messages
    assert OutboundEmail.objects.filter(state=EmailState.SENT).count() == 450
    assert len(django_mail.outbox) == 450


def test_a_resend_of_the_same_row_carries_the_same_message_id(django_capture_on_commit_callbacks):
    """A worker killed after the SMTP server took the message sends it again after the
    sweeper's timeout; the stable Message-ID lets mail systems show it once."""
    with django_capture_on_commit_callbacks(execute=True):
        email = _queue(key="k-resend")
    with django_capture_on_commit_callbacks(execute=True):
        mail.outbox_resend(email=email)

    first, second = django_mail.outbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]
    assert first.extra_headers["Message-ID"] != delivery.message_id("another-key")
