"""The Thai walk over LINE's pages and messages: the channels page (reachable or not, with its
errors), LINE Login's pages, the core's admin (outbox with channel and LINE's answer, LINE
contacts, quota notices) and LINE's own texts show no English and no Common Era years."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from incubator.enums import Channel
from incubator.models import LineContact, LineQuotaNotice, OutboundEmail
from incubator.tests.factories import SuperuserFactory, UserFactory
from incubator.tests.thai import admin_pages, english_in_text, english_words, get_in_thai, walk_in_thai

pytestmark = pytest.mark.django_db


@pytest.fixture
def line_on(settings, fake_line):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "line": {**settings.SOCIALACCOUNT_PROVIDERS["line"], "APPS": [{"client_id": "165", "secret": "s"}]}
    }
    return fake_line


def test_line_pages_in_thai_show_no_english(client, line_on):
    reachable = UserFactory(full_name="สมหญิง ใจดี")
    LineContact.objects.create(user=reachable, line_user_id="Ureach", is_friend=True)
    SocialAccount.objects.create(user=reachable, provider="line", uid="Ureach")
    blocked = UserFactory(full_name="สมชาย ใจดี")
    LineContact.objects.create(user=blocked, line_user_id="Ublock", is_friend=False)
    unlinked = UserFactory(full_name="วิภา ใจดี")
    pages = [
        (None, reverse("account_login")),
        (None, reverse("account_signup")),
        (reachable, reverse("message_channels")),
        (blocked, reverse("message_channels")),
        (unlinked, reverse("message_channels")),
        (reachable, reverse("socialaccount_connections")),
        (reachable, "/"),
    ]
    assert walk_in_thai(client, pages) == {}


def test_channels_page_error_in_thai_shows_no_english(client, line_on):
    user = UserFactory(full_name="วิภา ใจดี")
    get_in_thai(client, user, reverse("message_channels"))
    response = client.post(reverse("message_channels"), {})  # nothing chosen
    assert response.status_code == 200
    assert english_words(response.content.decode()) == []


def test_core_admin_with_line_rows_in_thai_shows_no_english(client, line_on):
    admin = SuperuserFactory(full_name="ประภา ผู้ดูแล")
    person = UserFactory(full_name="สมหญิง ใจดี")
    LineContact.objects.create(user=person, line_user_id="U1234567890", is_friend=True)
    OutboundEmail.objects.create(
        key="1:24",
        channel=Channel.LINE,
        to=person.email,
        recipient_user=person,
        subject="เตือนวันปิดรับสมัคร",
        body_text="เรียนคุณสมหญิง",
        answer="200",
    )
    LineQuotaNotice.objects.create(month=LineQuotaNotice._meta.get_field("month").to_python("2026-12-01"))
    mine = ("outboundemail", "linecontact", "linequotanotice")
    pages = [(user, url) for user, url in admin_pages("incubator", admin) if any(name in url for name in mine)]
    assert len(pages) == 6
    found = walk_in_thai(client, pages)
    assert found == {}


def test_line_text_of_a_thai_reminder_is_thai(client, fake_line):
    from incubator import line

    email = OutboundEmail(
        template="cohorts/deadline_reminder",
        language="th",
        subject="อีก 24 ชั่วโมงปิดรับสมัคร: รุ่นที่ 5",
        body_text="เรียนคุณสมหญิง\nส่งใบสมัครที่ https://incubator.example/applications/1/\n",
    )
    assert english_in_text(line.line_text(email)) == []


def test_my_data_pages_email_and_summary_in_thai_show_no_english(client, django_capture_on_commit_callbacks):
    """The PDPA download: the page, the email with its link, the ZIP's summary and the page of
    a used link."""
    import io
    import re
    import zipfile

    person = UserFactory(full_name="สมหญิง ใจดี", phone="0812345678")
    assert walk_in_thai(client, [(person, reverse("my_data"))]) == {}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("my_data"), follow=True)
    assert english_words(response.content.decode()) == []
    email = OutboundEmail.objects.get(template="incubator/data_export_ready")
    assert english_in_text(email.subject + "\n" + email.body_text) == []
    url = re.search(r"https?://\S+", email.body_text).group(0)
    download = client.get(url)
    with zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))) as archive:
        summary = archive.read("summary.html").decode()
    assert english_words(summary) == []
    assert english_words(client.get(url).content.decode()) == []


def test_erasure_pages_and_admin_in_thai_show_no_english(client):
    """Asking to delete one's account (before and after asking, with a form error) and the
    superusers' list of requests with an overdue one."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from incubator import pdpa

    person = UserFactory(full_name="สมหญิง ใจดี")
    assert walk_in_thai(client, [(person, reverse("erasure"))]) == {}
    response = client.post(reverse("erasure"), {"password": "ผิด"})
    assert english_words(response.content.decode()) == []
    with time_machine.travel(timezone.now() - timedelta(days=40)):
        pdpa.erasure_request(user=person)
    superuser = SuperuserFactory(full_name="ผู้ดูแล ระบบ")
    pages = [
        (person, reverse("erasure")),
        (superuser, reverse("admin:incubator_erasurerequest_changelist")),
    ]
    assert walk_in_thai(client, pages) == {}
