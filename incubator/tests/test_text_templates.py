"""Staff-written email overrides render in a sandbox: only their variables, no debug."""

import pytest
from django.template import TemplateSyntaxError
from django.test import RequestFactory

from incubator.tests.factories import UserFactory
from incubator.text_templates import render_text_template, validate_text_template

pytestmark = pytest.mark.django_db


def test_sandbox_renders_the_variables_meant_for_the_email():
    user = UserFactory(full_name="สมหญิง รักถิ่น")

    source = "เรียน {{ applicant.get_full_name }} ({{ code|upper }})"

    text = render_text_template(source, {"applicant": user, "code": "ab"})

    assert text == "เรียน สมหญิง รักถิ่น (AB)"


def test_sandbox_hides_passwords_emails_and_the_request():
    user = UserFactory()
    request = RequestFactory().get("/")
    request.user = user

    text = render_text_template(
        "[{{ applicant.password }}][{{ applicant.email }}][{{ request.user.password }}][{{ user.password }}]",
        {"applicant": user, "request": request, "user": user},
    )

    assert text == "[][][][]"
    assert user.password not in text


@pytest.mark.parametrize(
    "source",
    ["{% debug %}", "{% load i18n %}", "{% include 'base.html' %}", "{% extends 'base.html' %}", "{% csrf_token %}"],
)
def test_sandbox_refuses_tags_that_reach_beyond_the_email(source):
    with pytest.raises(TemplateSyntaxError):
        validate_text_template(source)
    with pytest.raises(TemplateSyntaxError):
        render_text_template(source, {"secret": "x"})


@pytest.mark.parametrize("value", [None, "", "not a date"])
def test_sandbox_prints_a_missing_date_as_blank_instead_of_failing(value):
    assert render_text_template("[{{ when|bdate }}|{{ when|bdatetime }}]", {"when": value}) == "[|]"
