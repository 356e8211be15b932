"""The outbox's producers: the set-based enqueue, one INSERT per email, the dispatch after commit,
the per-process template overrides, and the one-way structure mail -> tasks -> delivery."""

import ast
import contextlib
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail as django_mail
from django.core.cache import cache
from django.db import transaction
from django.db.models import F

from incubator import mail
from incubator.enums import Channel, EmailState
from incubator.models import EmailTemplate, OutboundEmail, User
from incubator.tasks import outbox_send, outbox_send_many, outbox_sweep
from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
INCUBATOR = Path(__file__).resolve().parents[1]


def _enqueue(users, *, prefix="notice"):
    """A notice to each of `users` through the set-based enqueue (the rows are the users)."""
    return mail.queue_mail_from_rows(
        User.objects.filter(pk__in=[user.pk for user in users]),
        key=[prefix, F("pk"), 1],
        recipient="",
        template="incubator/test",
        context=lambda marks: {"name": marks["name"]},
        per_person={"name": mail.recipient_name()},
    )


def test_queue_mail_from_rows_fills_in_each_person_in_their_language(django_capture_on_commit_callbacks):
    thai = UserFactory(full_name="มาลี ใจดี", preferred_language="th")
    english = UserFactory(full_name="Ann <Lee>", preferred_language="en")
    nameless = UserFactory(full_name="", preferred_language="en")

    with django_capture_on_commit_callbacks(execute=True):
        ids = _enqueue([thai, english, nameless])

    rows = {row.recipient_user_id: row for row in OutboundEmail.objects.filter(pk__in=ids)}
    assert set(rows) == {thai.pk, english.pk, nameless.pk}
    assert rows[thai.pk].language == "th"
    assert "มาลี ใจดี" in rows[thai.pk].body_text
    assert rows[english.pk].language == "en"
    assert rows[english.pk].subject == "Test message from the platform"
    assert "Hello Ann <Lee>," in rows[english.pk].body_text
    assert f"Hello {nameless.email}," in rows[nameless.pk].body_text
    assert rows[thai.pk].key == mail.message_key("notice", thai.pk, 1)
    assert rows[thai.pk].to == thai.email
    assert rows[thai.pk].channel == Channel.EMAIL
    assert rows[thai.pk].related_object == thai
    assert "XXOUTBOX" not in "".join(row.body_text + row.subject for row in rows.values())
    assert {row.state for row in OutboundEmail.objects.all()} == {EmailState.SENT}
    assert sorted(message.to[0] for message in django_mail.outbox) == sorted(u.email for u in (thai, english, nameless))


def test_queue_mail_from_rows_twice_queues_each_key_once():
    users = [UserFactory() for _ in range(3)]
    first = _enqueue(users)
    again = _enqueue(users)

    assert len(first) == 3
    assert again == []
    assert OutboundEmail.objects.count() == 3


def test_queue_mail_from_rows_dispatches_only_after_commit(django_capture_on_commit_callbacks):
    users = [UserFactory() for _ in range(3)]
    with mock.patch.object(outbox_send_many, "apply_async") as publish:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            ids = _enqueue(users)
        assert publish.call_count == 0  # nothing reaches the broker before the commit
        assert len(callbacks) == 1
        callbacks[0]()
    publish.assert_called_once_with(args=[ids], retry=False)


def test_queue_mail_from_rows_with_the_broker_down_leaves_rows_for_the_sweeper(django_capture_on_commit_callbacks):
    users = [UserFactory() for _ in range(3)]
    with (
        mock.patch.object(outbox_send_many, "apply_async", side_effect=ConnectionRefusedError("broker down")) as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        ids = _enqueue(users)
    assert send.call_count == 1  # one failed publish, not one per email
    assert set(OutboundEmail.objects.values_list("state", flat=True)) == {EmailState.QUEUED}

    OutboundEmail.objects.filter(pk__in=ids).update(next_attempt_at=F("next_attempt_at") - mail_grace())
    assert outbox_sweep() == {"recovered": 0, "dispatched": 3}
    assert set(OutboundEmail.objects.values_list("state", flat=True)) == {EmailState.SENT}


def mail_grace():
    from django.conf import settings

    return settings.OUTBOX_QUEUED_GRACE * 2


def test_queue_mail_is_one_insert_and_a_repeated_key_returns_the_first(django_assert_num_queries):
    mail.email_template_overrides()  # warm, as in a running process
    with django_assert_num_queries(1):
        first = mail.queue_mail(key="one", to="a@example.org", template="incubator/test", context={"name": "A"})
    with django_assert_num_queries(2):  # the INSERT that does nothing, then the first row
        again = mail.queue_mail(key="one", to="b@example.org", template="incubator/test", context={"name": "B"})
    assert again.pk == first.pk
    assert again.to == "a@example.org"


def test_emails_queued_in_one_transaction_share_one_dispatch(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(outbox_send_many, "apply_async") as publish,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        kept = [mail.queue_mail(key=f"k{n}", to=f"p{n}@example.org", subject="s", body_text="b").pk for n in range(3)]
        with contextlib.suppress(RuntimeError), transaction.atomic():  # a savepoint that rolls back
            mail.queue_mail(key="gone", to="gone@example.org", subject="s", body_text="b")
            raise RuntimeError("rolled back")
        kept.append(mail.queue_mail(key="k3", to="p3@example.org", subject="s", body_text="b").pk)
    assert len(callbacks) == 1
    publish.assert_called_once_with(args=[kept], retry=False)


def test_template_override_is_cached_and_cleared_when_staff_save_one(django_assert_num_queries):
    override = EmailTemplate.objects.create(
        name="incubator/test", language="th", subject="เรื่อง {{ name }}", body_text="สวัสดี {{ name }}"
    )
    assert mail.render_email(template="incubator/test", context={"name": "มาลี"}, language="th").subject == ("เรื่อง มาลี")
    with django_assert_num_queries(0):
        mail.render_email(template="incubator/test", context={"name": "มาลี"}, language="th")

    override.subject = "ใหม่ {{ name }}"
    override.save()
    assert mail.render_email(template="incubator/test", context={"name": "มาลี"}, language="th").subject == ("ใหม่ มาลี")

    override.delete()
    rendered = mail.render_email(template="incubator/test", context={"name": "มาลี"}, language="th")
    assert rendered.subject != "ใหม่ มาลี"


def test_template_override_saved_by_another_process_is_seen_within_a_second():
    override = EmailTemplate.objects.create(name="incubator/test", language="en", subject="Old", body_text="x")
    assert mail.render_email(template="incubator/test", context={}, language="en").subject == "Old"
    # Another process saves it: the row changes here without a signal, and the shared version moves.
    EmailTemplate.objects.filter(pk=override.pk).update(subject="New")
    cache.set(mail._OVERRIDE_VERSION_KEY, "changed-elsewhere", None)
    assert mail.render_email(template="incubator/test", context={}, language="en").subject == "Old"
    later = mail.time.monotonic() + mail.OVERRIDE_CHECK_SECONDS + 0.1
    with mock.patch.object(mail.time, "monotonic", return_value=later):
        assert mail.render_email(template="incubator/test", context={}, language="en").subject == "New"


def test_claim_is_one_query(django_assert_num_queries):
    from incubator import delivery

    email = mail.queue_mail(key="claim-1", to="a@example.org", subject="s", body_text="b")
    with django_assert_num_queries(1):
        claimed = delivery.outbox_claim(email_id=email.pk)
    assert (claimed.state, claimed.attempts) == (EmailState.SENDING, 1)
    assert delivery.outbox_claim(email_id=email.pk) is None


def test_a_row_on_an_unknown_channel_fails_without_sending():
    from incubator import delivery

    email = mail.queue_mail(key="sms-1", to="U123", subject="s", body_text="b")
    OutboundEmail.objects.filter(pk=email.pk).update(channel="sms")  # a channel with no deliverer
    outbox_send.delay(email.pk)
    email.refresh_from_db()
    assert email.state == EmailState.FAILED
    assert "LookupError" in email.last_error
    assert django_mail.outbox == []
    assert Channel.EMAIL in delivery.DELIVERERS


def _module_level_imports(path: Path) -> set[str]:
    """Modules a file imports at module level (not inside functions)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_outbox_modules_import_one_way():
    """producers (mail) -> broker edge (tasks) -> delivery: no module imports one above it, and
    mail reaches tasks only inside a function, so importing a producer loads no task."""
    mail_imports = _module_level_imports(INCUBATOR / "mail.py")
    tasks_imports = _module_level_imports(INCUBATOR / "tasks.py")
    delivery_imports = _module_level_imports(INCUBATOR / "delivery.py")

    assert "incubator.tasks" not in mail_imports
    assert "incubator.delivery" not in mail_imports
    assert not {"incubator.mail", "incubator.delivery"} & tasks_imports
    assert not {"incubator.mail", "incubator.tasks"} & delivery_imports


def test_only_the_outbox_writes_outbox_rows():
    """No module outside incubator/ builds an OutboundEmail itself (tests and benchmarks aside)."""
    root = INCUBATOR.parent
    apps = [path for path in root.iterdir() if path.is_dir() and (path / "apps.py").exists() and path != INCUBATOR]
    offenders = [
        str(path.relative_to(root))
        for app in apps
        for path in app.rglob("*.py")
        if not {"tests", "migrations"} & set(path.relative_to(app).parts)
        and "OutboundEmail(" in path.read_text(errors="ignore")
    ]
    assert apps  # cohorts, coaching, workshops, ...
    assert offenders == []


def test_after_a_failed_publish_the_process_leaves_new_emails_to_the_next_sweep(django_capture_on_commit_callbacks):
    from django.conf import settings
    from django.utils import timezone

    with (
        mock.patch.object(outbox_send, "apply_async", side_effect=ConnectionRefusedError("broker down")) as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = mail.queue_mail(key="down-1", to="a@example.org", subject="s", body_text="b")
    with (
        mock.patch.object(outbox_send, "apply_async") as send_again,
        django_capture_on_commit_callbacks(execute=True),
    ):
        second = mail.queue_mail(key="down-2", to="b@example.org", subject="s", body_text="b")
    assert send.call_count == 1
    assert send_again.call_count == 0  # the broker failed a moment ago: not tried again on every request
    due = timezone.now() - settings.OUTBOX_QUEUED_GRACE
    assert OutboundEmail.objects.filter(pk__in=[first.pk, second.pk], next_attempt_at__lte=due).count() == 2
    assert outbox_sweep() == {"recovered": 0, "dispatched": 2}  # the next sweep, not after the grace period


def test_staff_email_override_sees_only_the_variables_meant_for_it(db):
    from incubator.mail import render_email
    from incubator.models import EmailTemplate
    from incubator.tests.factories import UserFactory

    user = UserFactory(full_name="สมชาย ใจดี")
    EmailTemplate.objects.create(
        name="cohorts/application_submitted",
        language="th",
        subject="เรียน {{ recipient_name }}",
        body_text="{{ user.password }}|{{ application.applicant.password }}|{{ recipient_name }}",
    )

    rendered = render_email(
        template="cohorts/application_submitted",
        context={"recipient_name": user.full_name, "user": user, "application": {"applicant": user}},
        language="th",
    )

    assert rendered.subject == "เรียน สมชาย ใจดี"
    assert rendered.body_text.strip() == "||สมชาย ใจดี"


def test_email_override_with_a_forbidden_tag_is_refused_in_the_admin(admin_client):
    from incubator.models import EmailTemplate

    response = admin_client.post(
        "/admin/incubator/emailtemplate/add/",
        {"name": "cohorts/application_submitted", "language": "th", "subject": "{% debug %}", "body_text": "x"},
    )

    assert response.status_code == 200
    assert EmailTemplate.objects.count() == 0
