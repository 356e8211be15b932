"""The access log (incubator.audit) is written for each kind of access to applicants' data
here: staff reading an application in the admin, a reviewer reading one, every file download,
every export; and nothing is written for a refused request."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cohorts.enums import QuestionKind
from cohorts.services.applications import application_save_draft
from cohorts.services.reviews import staff_grant_program_role
from cohorts.tests.factories import (
    ApplicationFactory,
    CohortFactory,
    QuestionFactory,
    ReviewAssignmentFactory,
    TrackFactory,
)
from cohorts.tests.test_admin import _export
from incubator.enums import AccessAction
from incubator.models import AccessLogEntry
from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored():
    cohort = CohortFactory()
    question = QuestionFactory(cohort=cohort, kind=QuestionKind.FILE, text="แผนงาน")
    application = ApplicationFactory(cohort=cohort, track=TrackFactory(cohort=cohort))
    application_save_draft(
        application=application,
        by=application.applicant,
        answers={question.pk: SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", "application/pdf")},
    )
    application.status = "submitted"
    application.save(update_fields=["status"])
    staff = UserFactory()
    staff_grant_program_role(user=staff, program=cohort.program)
    review = ReviewAssignmentFactory(application=application, reviewer=UserFactory())
    return {"application": application, "answer": application.answers.get(), "staff": staff, "review": review}


def _entries():
    return list(AccessLogEntry.objects.values_list("user_email", "action", "target", "target_id", "ip"))


def test_staff_reading_an_application_in_the_admin_is_logged(client, stored):
    application = stored["application"]
    client.force_login(stored["staff"])

    response = client.get(reverse("admin:cohorts_application_change", args=[application.pk]), REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 200
    assert _entries() == [
        (stored["staff"].email, AccessAction.VIEW, "cohorts.application", str(application.pk), "10.1.2.3")
    ]


def test_staff_of_another_program_is_refused_and_nothing_is_logged(client, stored):
    outsider = UserFactory()
    staff_grant_program_role(user=outsider, program=CohortFactory().program)
    client.force_login(outsider)

    response = client.get(reverse("admin:cohorts_application_change", args=[stored["application"].pk]))
    file_response = client.get(stored["answer"].file.url)

    assert response.status_code in {302, 404}
    assert file_response.status_code == 404
    assert _entries() == []


def test_a_reviewer_reading_the_application_and_its_file_is_logged(client, stored):
    review, answer = stored["review"], stored["answer"]
    client.force_login(review.reviewer)

    client.get(reverse("cohorts:review_detail", args=[review.pk]))
    client.get(reverse("cohorts:review_file", kwargs={"pk": review.pk, "question_id": answer.question_id}))

    assert [(e[1], e[2]) for e in _entries()] == [
        (AccessAction.DOWNLOAD, "cohorts.answer"),
        (AccessAction.VIEW, "cohorts.application"),
    ]


@pytest.mark.parametrize("who", ["staff", "applicant"])
def test_every_file_download_is_logged(client, stored, who):
    user = stored["staff"] if who == "staff" else stored["application"].applicant
    client.force_login(user)

    response = client.get(stored["answer"].file.url)

    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    assert (entry.user_id, entry.action, entry.target, entry.target_id, entry.detail) == (
        user.pk,
        AccessAction.DOWNLOAD,
        "cohorts.answer",
        str(stored["answer"].pk),
        "plan.pdf",
    )


def test_an_admin_export_is_logged_with_its_size(client, stored):
    client.force_login(stored["staff"])

    _export(client)

    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.target, entry.detail) == (AccessAction.EXPORT, "cohorts.application", "csv, 1 rows")
