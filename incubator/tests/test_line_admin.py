"""LINE in the core's admin: the outbox changelist with LINE on (channel, LINE's answer, the
quota notice) and the LINE contacts changelist at a flat query count; who may see them; and
the webhook's refusals."""

import pytest
from django.urls import reverse

from incubator import mail
from incubator.enums import Channel
from incubator.models import LineContact, OutboundEmail
from incubator.tests.factories import StaffFactory, SuperuserFactory, UserFactory
from incubator.tests.line_fixtures import follow_event, signed

pytestmark = pytest.mark.django_db


def _line_row(n: int) -> OutboundEmail:
    person = UserFactory()
    email = mail.queue_mail(key=f"line-{n}", to=person.email, user=person, subject="เตือน", body_text="ข้อความ")
    OutboundEmail.objects.filter(pk=email.pk).update(channel=Channel.LINE, answer="200 OK")
    return email


def test_outbox_changelist_with_line_on_has_a_flat_query_count(client, fake_line, django_assert_num_queries):
    client.force_login(SuperuserFactory())
    url = reverse("admin:incubator_outboundemail_changelist")
    _line_row(0)
    with django_assert_num_queries(8):  # one more than with LINE off: is the month's quota used up
        response = client.get(url, {"channel": "line"})
    assert response.status_code == 200
    for n in range(1, 30):
        _line_row(n)
    with django_assert_num_queries(8):
        response = client.get(url, {"channel": "line"})
    page = response.content.decode()
    assert page.count("200 OK") == 30


def test_line_contacts_changelist_has_a_flat_query_count(client, django_assert_num_queries):
    client.force_login(SuperuserFactory())
    url = reverse("admin:incubator_linecontact_changelist")
    LineContact.objects.create(user=UserFactory(), line_user_id="U0", is_friend=True)
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200
    for n in range(1, 30):
        LineContact.objects.create(user=UserFactory(), line_user_id=f"U{n}", is_friend=bool(n % 2))
    with django_assert_num_queries(5):
        response = client.get(url)
    assert response.content.decode().count("/admin/incubator/linecontact/") >= 30


@pytest.mark.parametrize("who", ["anonymous", "person", "staff"])
def test_line_contacts_are_for_superusers_only(client, who):
    contact = LineContact.objects.create(user=UserFactory(email="hidden@example.org"), line_user_id="Uhidden")
    if who == "person":
        client.force_login(UserFactory())
    elif who == "staff":
        client.force_login(StaffFactory())
    for url in (
        reverse("admin:incubator_linecontact_changelist"),
        reverse("admin:incubator_linecontact_change", args=[contact.pk]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert b"Uhidden" not in response.content
        assert b"hidden@example.org" not in response.content


def test_webhook_with_a_good_signature_over_a_broken_body_answers_400(client, fake_line):
    from incubator.tests.line_fixtures import CHANNEL_SECRET

    body, _signature = signed([])
    broken = b"{not json"
    import base64
    import hashlib
    import hmac

    signature = base64.b64encode(hmac.new(CHANNEL_SECRET.encode(), broken, hashlib.sha256).digest()).decode()
    response = client.post(
        "/line/webhook/", broken, content_type="application/json", headers={"X-Line-Signature": signature}
    )
    assert response.status_code == 400
    assert body  # the helper signs a well-formed body; this one is not


def test_webhook_event_for_an_unknown_line_user_is_remembered_for_later(client, fake_line):

    body, signature = signed([follow_event("Unewcomer")])
    response = client.post(
        "/line/webhook/", body, content_type="application/json", headers={"X-Line-Signature": signature}
    )
    assert response.status_code == 200
    contact = LineContact.objects.get(line_user_id="Unewcomer")
    assert (contact.user, contact.is_friend) == (None, True)
