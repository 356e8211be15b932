"""The Thai walk: the main pages in Thai show no English left untranslated.

The detector (incubator/tests/thai.py) searches visible text for ASCII words of three letters
or more. The data of the walk is Thai, so every English word found comes from the code.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cohorts.enums import ApplicationStatus, QuestionKind, TrackKind
from cohorts.services.reviews import staff_grant_program_role
from cohorts.tests.factories import (
    ApplicationFactory,
    CohortFactory,
    CriterionFactory,
    OrganisationFactory,
    ProgramFactory,
    QuestionFactory,
    ReviewAssignmentFactory,
    TrackFactory,
)
from incubator.tests.factories import UserFactory
from incubator.tests.thai import english_words

pytestmark = pytest.mark.django_db


@pytest.fixture
def walk():
    program = ProgramFactory(name="ระบบบ่มเพาะกิจการเพื่อสังคม", name_en="", slug="bom-pao")
    cohort = CohortFactory(
        program=program,
        name="รุ่นที่ 5",
        slug="run-5",
        call_text="เปิดรับสมัครผู้นำองค์กรชุมชน",
        privacy_notice="เราเก็บข้อมูลของท่านเพื่อการคัดเลือก",
        starts_on=(timezone.now() + timedelta(days=40)).date(),
        ends_on=(timezone.now() + timedelta(days=200)).date(),
    )
    organisation_track = TrackFactory(cohort=cohort, kind=TrackKind.ORGANISATION, name="ผู้นำองค์กร")
    TrackFactory(cohort=cohort, kind=TrackKind.INTRAPRENEUR, name="อาสาสมัครจากภาคธุรกิจ")
    TrackFactory(cohort=cohort, kind=TrackKind.TEAM, name="ทีมเยาวชน")
    QuestionFactory(cohort=cohort, text="เล่าประสบการณ์ทำงานกับชุมชน", required=True)
    QuestionFactory(cohort=cohort, text="แนบแผนงาน", kind=QuestionKind.FILE)
    for order, name in enumerate(["ความชัดเจนของปัญหา", "ศักยภาพทีม"]):
        CriterionFactory(cohort=cohort, order=order, name=name, description="ดูจากใบสมัคร")
    applicant = UserFactory(full_name="สมหญิง รักถิ่น", email="somying@example.org")
    draft_applicant = UserFactory(full_name="สมชาย ใจดี", email="somchai@example.org")
    organisation = OrganisationFactory(name="มูลนิธิป่าชายเลน", description="ดูแลป่าชายเลน")
    application = ApplicationFactory(
        cohort=cohort,
        track=organisation_track,
        applicant=applicant,
        organisation=organisation,
        status=ApplicationStatus.SUBMITTED,
        submitted_at=timezone.now(),
        consent_version="1.0",
        consented_at=timezone.now(),
    )
    draft = ApplicationFactory(cohort=cohort, track=organisation_track, applicant=draft_applicant)
    reviewer = UserFactory(full_name="วิภา ผู้ทบทวน", email="wipa@example.org")
    review = ReviewAssignmentFactory(application=application, reviewer=reviewer)
    staff = UserFactory(full_name="ประภา เจ้าหน้าที่", email="prapa@example.org")
    staff_grant_program_role(user=staff, program=program)
    return {
        "cohort": cohort,
        "application": application,
        "draft": draft,
        "review": review,
        "applicant": applicant,
        "draft_applicant": draft_applicant,
        "reviewer": reviewer,
        "staff": staff,
    }


def _pages(walk):
    cohort, application, draft, review = walk["cohort"], walk["application"], walk["draft"], walk["review"]
    return [
        (None, reverse("home")),
        (None, reverse("cohorts:call_list")),
        (None, reverse("cohorts:call_detail", kwargs={"slug": cohort.slug})),
        (None, reverse("account_signup")),
        (None, reverse("account_login")),
        (None, reverse("account_reset_password")),
        (None, reverse("account_reset_password_done")),
        (None, reverse("account_email_verification_sent")),
        (walk["applicant"], reverse("account_logout")),
        (walk["draft_applicant"], reverse("cohorts:call_detail", kwargs={"slug": cohort.slug})),
        (walk["draft_applicant"], reverse("cohorts:application_edit", kwargs={"pk": draft.pk})),
        (walk["applicant"], reverse("cohorts:application_edit", kwargs={"pk": application.pk})),
        (walk["applicant"], reverse("cohorts:my_applications")),
        (walk["applicant"], reverse("cohorts:application_detail", kwargs={"pk": application.pk})),
        (walk["applicant"], reverse("cohorts:application_withdraw", kwargs={"pk": application.pk})),
        (walk["reviewer"], reverse("cohorts:review_list")),
        (walk["reviewer"], reverse("cohorts:review_detail", kwargs={"pk": review.pk})),
        (walk["staff"], reverse("cohorts:cohort_ranking", kwargs={"pk": cohort.pk})),
        (walk["staff"], reverse("cohorts:cohort_ranking", kwargs={"pk": cohort.pk}) + "?rank=normalised"),
    ]


def test_main_pages_in_thai_show_no_english(client, walk):
    found = {}
    for user, url in _pages(walk):
        client.logout()
        if user is not None:
            client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
        response = client.get(url)
        assert response.status_code == 200, url
        words = english_words(response.content.decode())
        if words:
            found[url] = words

    assert found == {}


def test_sign_up_errors_in_thai_show_no_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    response = client.post(
        reverse("account_signup"),
        {"full_name": "สมชาย", "email": "somchai@example.org", "password1": "12345", "password2": "12345"},
    )

    assert response.status_code == 200
    assert english_words(response.content.decode()) == []


def test_too_long_answer_error_in_thai_shows_no_english(client, walk):
    client.force_login(walk["draft_applicant"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    response = client.post(
        reverse("cohorts:application_edit", kwargs={"pk": walk["draft"].pk}),
        {"action": "submit", "motivation": "ก" * 3001},
    )

    assert response.status_code == 200
    assert english_words(response.content.decode()) == []


def test_the_walk_finds_english_when_it_is_there():
    assert english_words("<p>สวัสดี <b>Save draft</b> a@b.org https://x.org PDF</p>") == ["Save", "draft"]


def test_account_emails_in_thai_show_no_english(client):
    from incubator.models import OutboundEmail

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    password = "a-long-and-unusual-passphrase-42"
    client.post(
        reverse("account_signup"),
        {"full_name": "สมชาย", "email": "new@example.org", "password1": password, "password2": password},
    )
    UserFactory(email="known@example.org")
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    client.post(
        reverse("account_signup"),
        {"full_name": "สมชาย", "email": "known@example.org", "password1": password, "password2": password},
    )
    client.post(reverse("account_reset_password"), {"email": "known@example.org"})
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})

    emails = list(OutboundEmail.objects.all())
    assert len(emails) == 4
    for email in emails:
        assert english_words(email.subject + "\n" + email.body_text.replace("<", "&lt;")) == [], email.key
        assert "[" not in email.subject


def test_decisions_pages_decline_and_place_freed_email_in_thai_show_no_english(client, walk):
    from cohorts.services.decisions import application_decide
    from cohorts.services.staging import decision_stage
    from incubator.models import OutboundEmail

    cohort, application, staff = walk["cohort"], walk["application"], walk["staff"]
    waiting = ApplicationFactory(
        cohort=cohort,
        track=application.track,
        applicant=UserFactory(full_name="มานี รอคิว", email="manee@example.org"),
        status=ApplicationStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    decision_stage(application=waiting, status=ApplicationStatus.WAITLISTED, by=staff)
    pages = [
        reverse("cohorts:decisions_stage", kwargs={"pk": cohort.pk}),
        reverse("cohorts:decisions_preview", kwargs={"pk": cohort.pk, "application_pk": waiting.pk}),
        reverse("cohorts:decisions_send", kwargs={"pk": cohort.pk}),
    ]
    found = {}
    client.force_login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        found[url] = english_words(response.content.decode())
    bad = client.post(pages[0], {"action": "bulk", "bulk_status": ApplicationStatus.REJECTED})
    found["bulk without selection"] = english_words(bad.content.decode())

    application_decide(application=application, status=ApplicationStatus.ACCEPTED, by=staff)
    client.force_login(walk["applicant"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    for url in (
        reverse("cohorts:application_detail", kwargs={"pk": application.pk}),
        reverse("cohorts:application_withdraw", kwargs={"pk": application.pk}),
    ):
        found[url] = english_words(client.get(url).content.decode())
    client.post(reverse("cohorts:application_withdraw", kwargs={"pk": application.pk}))
    told = OutboundEmail.objects.get(key__startswith=f"place-freed:{application.pk}:")
    found["place freed email"] = english_words(told.subject + "\n" + told.body_text)

    assert {where: words for where, words in found.items() if words} == {}
