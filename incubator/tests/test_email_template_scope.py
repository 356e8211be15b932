"""Scoped email text overrides in the core: a producer's scope picks that scope's text first,
then the global one, then the file; the core saves and resets them with history, and the
superusers' admin keeps history too."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incubator import mail
from incubator.enums import EmailTextAction
from incubator.models import EmailTemplate, EmailTemplateChange
from incubator.services import email_template_reset, email_template_save
from incubator.tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db


def _subject(scope: str = "") -> str:
    return mail.render_email(template="incubator/test", context={"name": "มาลี"}, language="th", scope=scope).subject


def test_scope_text_first_then_global_then_file():
    file_subject = _subject("team:1")
    email_template_save(scope="", name="incubator/test", language="th", subject="กลาง", body_text="x", by=None)
    email_template_save(
        scope="team:1", name="incubator/test", language="th", subject="ทีม {{ name }}", body_text="x", by=None
    )

    assert _subject("team:1") == "ทีม มาลี"
    assert _subject("team:2") == "กลาง"
    assert _subject() == "กลาง"
    email_template_reset(scope="", name="incubator/test", language="th", by=None)
    assert _subject("team:2") == file_subject


def test_queue_mail_and_bulk_pass_the_scope():
    person = UserFactory(preferred_language="th")
    email_template_save(scope="team:1", name="incubator/test", language="th", subject="ทีม", body_text="x", by=None)

    one = mail.queue_mail(
        key="one", to=person.email, user=person, template="incubator/test", context={}, scope="team:1"
    )
    mail.queue_mail_bulk([mail.Message(key="two", user=person, template="incubator/test", context={}, scope="team:1")])
    other = mail.queue_mail(key="three", to=person.email, user=person, template="incubator/test", context={})

    assert one.subject == "ทีม"
    assert mail.OutboundEmail.objects.get(key="two").subject == "ทีม"
    assert other.subject != "ทีม"


def test_email_template_save_refuses_what_the_sandbox_refuses():
    with pytest.raises(ValidationError) as error:
        email_template_save(
            scope="", name="incubator/test", language="th", subject="ok", body_text="{% debug %}", by=None
        )

    assert list(error.value.error_dict) == ["body_text"]
    assert not EmailTemplate.objects.exists()
    assert not EmailTemplateChange.objects.exists()


def test_admin_save_and_delete_keep_history(client):
    admin = SuperuserFactory()
    client.force_login(admin)

    response = client.post(
        reverse("admin:incubator_emailtemplate_add"),
        {
            "name": "incubator/test",
            "language": "th",
            "scope": "",
            "subject": "ใหม่",
            "body_text": "x",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    template = EmailTemplate.objects.get()
    client.post(reverse("admin:incubator_emailtemplate_delete", args=[template.pk]), {"post": "yes"})

    changes = list(EmailTemplateChange.objects.order_by("pk").values_list("action", "changed_by"))
    assert changes == [(EmailTextAction.SAVED, admin.pk), (EmailTextAction.RESET, admin.pk)]
    assert not EmailTemplate.objects.exists()


def test_unknown_variables_are_named_in_order_once():
    from incubator.text_templates import text_template_unknown_variables

    source = (
        "{{ name }} {{ person.email }} {{ missing }} {{ missing }} {{ 'literal' }} "
        "{% for item in items %}{{ item.name }}{{ forloop.counter }}{% endfor %}"
    )

    assert text_template_unknown_variables(source, names={"name", "person", "items"}) == ["person.email", "missing"]
