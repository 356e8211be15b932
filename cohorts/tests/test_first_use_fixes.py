"""First use by a Thai program team (issue 7): malformed ids answer 404, long answers have
limits with a Thai message, a refused submit keeps the chosen file as a draft, review does
not lock the applicant out before the deadline, a reviewer's pending count, and dates in the
Buddhist Era in Thai (Gregorian in English)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cohorts.enums import ApplicationStatus, QuestionKind, TrackKind
from cohorts.tests.factories import (
    ApplicationFactory,
    CohortFactory,
    QuestionFactory,
    ReviewAssignmentFactory,
    SubmittedApplicationFactory,
    TrackFactory,
)
from incubator.models import OutboundEmail

pytestmark = pytest.mark.django_db

BANGKOK = ZoneInfo("Asia/Bangkok")
PDF = b"%PDF-1.7\n%%EOF\n"
HUGE = "9" * 25


def _in(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


# --- 7. malformed requests ----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"/applications/{HUGE}/",
        f"/applications/{HUGE}/edit/",
        f"/applications/{HUGE}/withdraw/",
        f"/applications/1/files/{HUGE}/",
        f"/applications/{HUGE}/files/1/",
        f"/review/{HUGE}/",
        f"/review/{HUGE}/conflict/",
        f"/review/1/files/{HUGE}/",
        f"/staff/cohorts/{HUGE}/ranking/",
        f"/files/answers/{HUGE}",
        "/files/../../etc/passwd",
    ],
)
def test_malformed_ids_answer_404_not_500(client, path):
    application = SubmittedApplicationFactory()
    client.force_login(application.applicant)

    response = client.get(path)

    assert response.status_code == 404


def test_a_file_id_of_25_digits_on_a_real_application_answers_404(client):
    application = ApplicationFactory()
    client.force_login(application.applicant)

    response = client.get(f"/applications/{application.pk}/files/{HUGE}/")

    assert response.status_code == 404


# --- 7/10. length limits ------------------------------------------------------------------


def test_too_long_answer_is_refused_with_a_thai_message_and_kept_in_the_box(client):
    application = ApplicationFactory(motivation="")
    client.force_login(application.applicant)
    too_long = "ก" * 3001

    response = _in(client, "th").post(
        reverse("cohorts:application_edit", kwargs={"pk": application.pk}), {"action": "save", "motivation": too_long}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "3000" in body
    assert "3001" in body
    assert "ไม่เกิน" in body  # the server's own message, in Thai
    assert "Please keep this to" not in body
    assert too_long in body  # every character is still in the box
    assert 'data-maxlength="3000"' in body
    assert 'maxlength="3000"' not in body.replace('data-maxlength="3000"', "")
    application.refresh_from_db()
    assert application.motivation == ""


def test_long_question_without_a_limit_gets_the_default_limit(client):
    application = ApplicationFactory()
    question = QuestionFactory(cohort=application.cohort, kind=QuestionKind.LONG_TEXT, max_length=None)
    client.force_login(application.applicant)

    response = client.post(
        reverse("cohorts:application_edit", kwargs={"pk": application.pk}),
        {"action": "save", f"q_{question.pk}": "x" * 5001},
    )

    assert response.status_code == 200
    assert not application.answers.exists()


# --- 9. a file chosen with a submit that fails --------------------------------------------


def test_refused_submit_saves_the_draft_with_the_chosen_file_and_says_what_blocks(client):
    cohort = CohortFactory()
    track = TrackFactory(cohort=cohort, kind=TrackKind.TEAM)
    question = QuestionFactory(cohort=cohort, kind=QuestionKind.FILE, required=True)
    application = ApplicationFactory(cohort=cohort, track=track, motivation="")
    client.force_login(application.applicant)

    response = _in(client, "en").post(
        reverse("cohorts:application_edit", kwargs={"pk": application.pk}),
        {
            "action": "submit",
            "motivation": "อยากทดลองไอเดียกับชุมชน",
            f"q_{question.pk}": SimpleUploadedFile("แผนงานองค์กร.pdf", PDF, "application/pdf"),
        },
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="draft-saved-not-submitted"' in body
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert application.motivation == "อยากทดลองไอเดียกับชุมชน"
    answer = application.answers.get(question=question)
    assert answer.value == "แผนงานองค์กร.pdf"
    assert answer.file.read() == PDF
    form = response.context["form"]
    assert {"team_name", "idea_title", "idea_summary", "team_size", "consent"} <= set(form.errors)
    assert f"q_{question.pk}" not in form.errors  # the file is stored now
    assert "แผนงานองค์กร.pdf" in body
    assert OutboundEmail.objects.count() == 0


def test_refused_save_of_a_bad_file_tells_to_choose_the_file_again(client):
    application = ApplicationFactory()
    question = QuestionFactory(cohort=application.cohort, kind=QuestionKind.FILE)
    client.force_login(application.applicant)

    response = _in(client, "en").post(
        reverse("cohorts:application_edit", kwargs={"pk": application.pk}),
        {
            "action": "save",
            "motivation": "x" * 3001,
            f"q_{question.pk}": SimpleUploadedFile("plan.pdf", PDF, "application/pdf"),
        },
    )

    assert response.status_code == 200
    assert "please choose your file again" in response.content.decode()
    assert not application.answers.exists()


# --- review does not take the pen before the deadline -------------------------------------


def test_applicant_keeps_editing_under_review_until_the_deadline(client):
    application = SubmittedApplicationFactory(motivation="ฉบับแรก")
    ReviewAssignmentFactory(application=application)
    application.status = ApplicationStatus.UNDER_REVIEW
    application.save(update_fields=["status"])
    client.force_login(application.applicant)
    url = reverse("cohorts:application_edit", kwargs={"pk": application.pk})

    assert client.get(url).status_code == 200
    data = {"action": "submit", "motivation": "ฉบับแก้ไข", "org_name": "มูลนิธิ", "org_kind": "ngo"}
    data |= {"org_province": "TH-82", "org_needs": ["strategy"], "consent": "on"}
    response = client.post(url, data)

    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.motivation) == (ApplicationStatus.UNDER_REVIEW, "ฉบับแก้ไข")
    with time_machine.travel(application.cohort.applications_close_at + timedelta(minutes=1)):
        assert client.get(url).status_code == 302  # after the deadline: no more edits


def test_pending_count_leaves_out_decided_applications(client):
    reviewer_review = ReviewAssignmentFactory()
    reviewer = reviewer_review.reviewer
    decided = ReviewAssignmentFactory(reviewer=reviewer)
    decided.application.status = ApplicationStatus.ACCEPTED
    decided.application.save(update_fields=["status"])
    client.force_login(reviewer)

    response = client.get(reverse("cohorts:review_list"))

    assert response.context["pending_count"] == 1


# --- 15. Buddhist Era in Thai, Gregorian in English ---------------------------------------


@pytest.fixture
def dated():
    close = datetime(2026, 12, 6, 23, 59, tzinfo=BANGKOK)
    cohort = CohortFactory(applications_open_at=close - timedelta(days=30), applications_close_at=close, name="รุ่นที่ 4")
    application = SubmittedApplicationFactory(cohort=cohort, submitted_at=close - timedelta(days=2))
    review = ReviewAssignmentFactory(application=application)
    return {"cohort": cohort, "application": application, "review": review}


@pytest.mark.parametrize(("language", "year", "absent"), [("th", "2569", "2026"), ("en", "2026", "2569")])
def test_pages_show_buddhist_era_in_thai_and_gregorian_in_english(client, dated, language, year, absent):
    application, review = dated["application"], dated["review"]
    pages = [
        (None, reverse("cohorts:call_list")),
        (None, reverse("cohorts:call_detail", kwargs={"slug": dated["cohort"].slug})),
        (None, reverse("home")),
        (application.applicant, reverse("cohorts:my_applications")),
        (application.applicant, reverse("cohorts:application_detail", kwargs={"pk": application.pk})),
        (application.applicant, reverse("cohorts:application_edit", kwargs={"pk": application.pk})),
        (review.reviewer, reverse("cohorts:review_list")),
        (review.reviewer, reverse("cohorts:review_detail", kwargs={"pk": review.pk})),
    ]
    with time_machine.travel(datetime(2026, 11, 29, 12, 0, tzinfo=BANGKOK)):
        for user, url in pages:
            client.logout()
            if user is not None:
                client.force_login(user)
            body = _in(client, language).get(url).content.decode()
            assert year in body, url
            assert absent not in body, url


def test_submitted_email_shows_buddhist_era_in_thai_and_gregorian_in_english(client, dated):
    from cohorts.services.applications import _queue_submitted_email

    application = dated["application"]
    application.applicant.preferred_language = "th"
    _queue_submitted_email(application)
    thai = OutboundEmail.objects.get()
    OutboundEmail.objects.all().delete()
    application.applicant.preferred_language = "en"
    _queue_submitted_email(application)
    english = OutboundEmail.objects.get()

    assert "6 ธันวาคม 2569" in thai.body_text
    assert "2026" not in thai.body_text.split("http")[0]
    assert "6 December 2026" in english.body_text


# --- 17. email subjects without nested brackets -------------------------------------------


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize(
    "template",
    [
        "cohorts/application_submitted",
        "cohorts/deadline_reminder",
        "cohorts/decision_accepted",
        "cohorts/decision_rejected",
        "cohorts/decision_shortlisted",
        "cohorts/decision_waitlisted",
        "cohorts/phase_moved",
    ],
)
def test_email_subjects_have_no_nested_brackets(template, language):
    import re

    from incubator.mail import render_email

    application = SubmittedApplicationFactory(cohort__name="รุ่นที่ 3 (2570)")
    cohort = application.cohort
    context = {
        "application": application,
        "applicant": application.applicant,
        "cohort": cohort,
        "program": cohort.program,
        "track": application.track,
        "deadline": cohort.applications_close_at,
        "time_left": "3 วัน",
        "cohort_name": cohort.name,
    }

    subject = render_email(template=template, context=context, language=language).subject

    assert "รุ่นที่ 3 (2570)" in subject
    assert not re.search(r"[(\[][^)\]]*[(\[]", subject), subject
    assert "[" not in subject
