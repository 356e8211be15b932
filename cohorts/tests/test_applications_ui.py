"""Applications UI (issue 12, item 20): the export page in Thai, a reviewer's badges agree with
the heading, and a double tap on Submit reads "submitted, email sent"."""

import pytest
from django.urls import reverse

from cohorts.enums import ApplicationStatus
from cohorts.models import Application
from cohorts.services.reviews import staff_grant_program_role
from cohorts.tests.factories import ApplicationFactory, CohortFactory, ReviewAssignmentFactory
from incubator.models import OutboundEmail
from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _complete_form(**extra) -> dict:
    return {
        "motivation": "อยากพัฒนากลยุทธ์",
        "consent": "on",
        "org_name": "มูลนิธิอันดามัน",
        "org_kind": "ngo",
        "org_province": "TH-82",
        "org_needs": ["strategy", "finance"],
        **extra,
    }


@pytest.mark.parametrize("model", ["application", "organisation"])
def test_the_export_page_names_every_column_in_thai(client, model):
    staff = UserFactory(is_staff=True)
    staff_grant_program_role(user=staff, program=CohortFactory().program)
    client.force_login(staff)

    page = client.get(reverse(f"admin:cohorts_{model}_export")).content.decode()

    assert ">ID<" not in page
    assert ">รหัส<" in page


def test_a_decided_application_is_not_pending_in_the_reviewers_list(client):
    waiting = ReviewAssignmentFactory()
    decided = ReviewAssignmentFactory(reviewer=waiting.reviewer)
    Application.objects.filter(pk=decided.application_id).update(status=ApplicationStatus.ACCEPTED)
    client.force_login(waiting.reviewer)
    client.cookies["django_language"] = "en"

    page = client.get(reverse("cohorts:review_list")).content.decode()
    decided_row = page.split(f'data-testid="review-{decided.pk}"')[1].split("</a>")[0]
    waiting_row = page.split(f'data-testid="review-{waiting.pk}"')[1].split("</a>")[0]

    assert "1 application is waiting for your scores." in page
    assert 'data-testid="waiting"' in waiting_row
    assert 'data-testid="waiting"' not in decided_row
    assert 'data-testid="decided"' in decided_row


def test_a_double_tap_on_submit_reads_submitted_and_email_sent(client):
    application = ApplicationFactory()
    client.force_login(application.applicant)
    client.cookies["django_language"] = "en"
    url = reverse("cohorts:application_edit", kwargs={"pk": application.pk})
    form_page = client.get(url).content.decode()
    data = {"action": "submit", "form_status": "draft", **_complete_form()}

    client.post(url, data)
    second = client.post(url, data, follow=True)

    assert 'name="form_status" value="draft"' in form_page
    assert "Your application was submitted. We have emailed you a confirmation." in second.content.decode()
    assert "Your changes were saved" not in second.content.decode()
    assert OutboundEmail.objects.filter(key=f"application-submitted:{application.pk}").count() == 1


def test_saving_changes_to_a_submitted_application_still_says_changes_saved(client):
    application = ApplicationFactory()
    client.force_login(application.applicant)
    client.cookies["django_language"] = "en"
    url = reverse("cohorts:application_edit", kwargs={"pk": application.pk})
    client.post(url, {"action": "submit", "form_status": "draft", **_complete_form()})

    response = client.post(
        url, {"action": "submit", "form_status": "submitted", **_complete_form(motivation="ชัดเจนขึ้น")}, follow=True
    )

    assert "Your changes were saved. The application stays submitted." in response.content.decode()
