"""Text that staff type (rubric criteria, questions, call and privacy texts) is shown as typed:
never rendered as template code on the pages that show it."""

import pytest
from django.urls import reverse

from cohorts.tests.factories import (
    ApplicationFactory,
    CohortFactory,
    CriterionFactory,
    QuestionFactory,
    ReviewAssignmentFactory,
    SubmittedApplicationFactory,
)

pytestmark = pytest.mark.django_db

PAYLOADS = ("{{ request.user.password }}", "{% debug %}", "<b>bold</b>")


def _assert_shown_as_typed(body: str, user) -> None:
    assert "{{ request.user.password }}" in body
    assert "{% debug %}" in body
    assert "&lt;b&gt;bold&lt;/b&gt;" in body
    assert "<b>bold</b>" not in body
    assert user.password not in body
    assert "sql_queries" not in body  # what {% debug %} would dump


def test_criterion_with_template_syntax_shows_as_typed_on_the_review_page(client):
    application = SubmittedApplicationFactory()
    CriterionFactory(cohort=application.cohort, name=PAYLOADS[0], description=f"{PAYLOADS[1]} {PAYLOADS[2]}")
    CriterionFactory(cohort=application.cohort, name=PAYLOADS[2], name_en=PAYLOADS[1])
    review = ReviewAssignmentFactory(application=application)
    client.force_login(review.reviewer)

    response = client.get(reverse("cohorts:review_detail", kwargs={"pk": review.pk}))

    assert response.status_code == 200
    _assert_shown_as_typed(response.content.decode(), review.reviewer)


def test_question_and_privacy_texts_with_template_syntax_show_as_typed_on_the_form(client):
    cohort = CohortFactory(privacy_notice=PAYLOADS[0], privacy_notice_version="{% debug %}")
    QuestionFactory(cohort=cohort, text=PAYLOADS[1], help_text=PAYLOADS[2])
    QuestionFactory(cohort=cohort, text=PAYLOADS[2], help_text=PAYLOADS[0])
    application = ApplicationFactory(cohort=cohort)
    client.force_login(application.applicant)

    response = client.get(reverse("cohorts:application_edit", kwargs={"pk": application.pk}))

    assert response.status_code == 200
    _assert_shown_as_typed(response.content.decode(), application.applicant)


def test_call_text_with_template_syntax_shows_as_typed_on_the_call_page(client):
    cohort = CohortFactory(call_text=" ".join(PAYLOADS), name=PAYLOADS[1])
    application = ApplicationFactory(cohort=cohort)
    client.force_login(application.applicant)

    response = client.get(reverse("cohorts:call_detail", kwargs={"slug": cohort.slug}))

    assert response.status_code == 200
    _assert_shown_as_typed(response.content.decode(), application.applicant)
