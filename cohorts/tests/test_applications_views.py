"""Applicant pages: public calls, applying, the form at the deadline, permissions, query counts."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cohorts.enums import ApplicationStatus, CohortStatus, QuestionKind, Support, TrackKind
from cohorts.models import Answer, Application
from cohorts.tests.factories import (
    ApplicationFactory,
    CohortFactory,
    OrganisationFactory,
    ProgramFactory,
    QuestionFactory,
    ReviewAssignmentFactory,
    SubmittedApplicationFactory,
    TrackFactory,
)
from incubator.dates import BANGKOK
from incubator.models import OutboundEmail
from incubator.tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

DEADLINE = datetime(2027, 3, 15, 17, 0, tzinfo=BANGKOK)
PDF = b"%PDF-1.7\n%%EOF\n"
SECRET = "ข้อความลับของผู้สมัคร SECRET-MOTIVATION"
SECRET_ORGANISATION = "มูลนิธิลับเฉพาะ SECRET-ORG"


def _login(client, user):
    client.force_login(user)
    return client


def _complete_form(application, **extra) -> dict:
    organisation = {
        "org_name": "มูลนิธิอันดามัน",
        "org_kind": "ngo",
        "org_province": "TH-82",
        "org_needs": ["strategy", "finance"],
    }
    return {"motivation": "อยากพัฒนากลยุทธ์", "consent": "on", **organisation, **extra}


# --- Public call pages -----------------------------------------------------------------------


def test_call_list_shows_open_calls_with_time_left_and_hides_the_others(english):
    open_cohort = CohortFactory(name="Open cohort", applications_close_at=DEADLINE)
    TrackFactory(cohort=open_cohort, kind=TrackKind.INTRAPRENEUR, capacity=30)
    CohortFactory(name="Draft cohort", status=CohortStatus.DRAFT)
    CohortFactory(name="Closed cohort", status=CohortStatus.CLOSED)

    with time_machine.travel(DEADLINE - timedelta(days=3, hours=4, minutes=10), tick=False):
        response = english.get(reverse("cohorts:call_list"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Open cohort" in body
    assert "Draft cohort" not in body
    assert "Closed cohort" not in body
    assert "3 days 4 hours left" in body
    assert "15 March 2027, 17:00" in body
    assert "30 places" in body


def _cohort_with_tracks(**kwargs):
    cohort = CohortFactory(**kwargs)
    TrackFactory(cohort=cohort, kind=TrackKind.ORGANISATION)
    TrackFactory(cohort=cohort, kind=TrackKind.INTRAPRENEUR)
    return cohort


def test_call_list_query_count_with_one_call(client, django_assert_num_queries):
    _cohort_with_tracks()

    with django_assert_num_queries(2):
        response = client.get(reverse("cohorts:call_list"))

    assert response.status_code == 200


def test_call_list_query_count_with_many_calls(client, django_assert_num_queries):
    for _ in range(8):
        _cohort_with_tracks(program=ProgramFactory())

    with django_assert_num_queries(2):
        response = client.get(reverse("cohorts:call_list"))

    assert response.content.decode().count('data-testid="call-card"') == 8


def test_call_detail_shows_the_program_support_tracks_deadline_and_apply_button(english):
    program = ProgramFactory(
        description_en="Coaches in the field for civil society.",
        supports=[Support.FUNDING, Support.COACHING],
    )
    cohort = CohortFactory(program=program, call_text="We recruit 30 intrapreneurs.", applications_close_at=DEADLINE)
    TrackFactory(cohort=cohort, kind=TrackKind.ORGANISATION, name_en="Organisation leader", capacity=15)
    TrackFactory(cohort=cohort, kind=TrackKind.INTRAPRENEUR, name_en="Intrapreneur (field coach)", capacity=0)

    with time_machine.travel(DEADLINE - timedelta(days=2, hours=1), tick=False):
        response = english.get(cohort.get_absolute_url())

    body = response.content.decode()
    assert response.status_code == 200
    for text in [
        "We recruit 30 intrapreneurs.",
        "Coaches in the field for civil society.",
        "Funding and resources",
        "Coaches and advisors",
        "Organisation leader",
        "15 places",
        "no fixed number of places",
        "15 March 2027, 17:00",
        "Bangkok time",
        "2 days 1 hour left",
        'data-testid="apply"',
        'name="track"',
    ]:
        assert text in body, text


def test_call_detail_of_a_closed_call_has_no_apply_button(english):
    cohort = CohortFactory(status=CohortStatus.CLOSED)

    body = english.get(cohort.get_absolute_url()).content.decode()

    assert "Applications are closed." in body
    assert 'data-testid="apply"' not in body


def test_call_detail_of_a_draft_cohort_is_not_found_except_for_its_program_staff(client):
    cohort = CohortFactory(status=CohortStatus.DRAFT)
    staff = StaffFactory()
    cohort.program.staff.add(staff)

    anonymous = client.get(cohort.get_absolute_url())
    preview = _login(client, staff).get(cohort.get_absolute_url())

    assert (anonymous.status_code, preview.status_code) == (404, 200)


# --- Starting --------------------------------------------------------------------------------


def test_application_start_for_anonymous_redirects_to_login_and_back(client):
    cohort = _cohort_with_tracks()
    url = reverse("cohorts:application_start", kwargs={"slug": cohort.slug})

    response = client.post(url, {"track": cohort.tracks.first().pk})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"
    assert not Application.objects.exists()


def test_application_start_get_offers_a_choice_of_tracks(english):
    cohort = _cohort_with_tracks()
    _login(english, UserFactory())

    response = english.get(reverse("cohorts:application_start", kwargs={"slug": cohort.slug}))

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('type="radio"') == 2
    assert body.count('name="track"') == 2


def test_application_start_post_creates_the_draft_and_starting_again_returns_it(client):
    cohort = _cohort_with_tracks()
    organisation_track, intrapreneur_track = cohort.tracks.order_by("pk")
    user = UserFactory()
    _login(client, user)
    url = reverse("cohorts:application_start", kwargs={"slug": cohort.slug})

    first = client.post(url, {"track": intrapreneur_track.pk})
    again = client.post(url, {"track": organisation_track.pk})

    application = Application.objects.get(cohort=cohort, applicant=user)
    edit_url = reverse("cohorts:application_edit", kwargs={"pk": application.pk})
    assert (first.status_code, first["Location"]) == (302, edit_url)
    assert (again.status_code, again["Location"]) == (302, edit_url)
    assert application.track == intrapreneur_track


def test_application_start_needs_a_verified_email(client):
    cohort = _cohort_with_tracks()
    _login(client, UserFactory(verified=False))

    client.post(reverse("cohorts:application_start", kwargs={"slug": cohort.slug}), {"track": cohort.tracks.first().pk})

    assert not Application.objects.exists()


def test_application_start_after_the_deadline_redirects_to_the_call(client):
    cohort = _cohort_with_tracks(status=CohortStatus.CLOSED)
    _login(client, UserFactory())

    response = client.post(
        reverse("cohorts:application_start", kwargs={"slug": cohort.slug}), {"track": cohort.tracks.first().pk}
    )

    assert (response.status_code, response["Location"]) == (302, cohort.get_absolute_url())
    assert not Application.objects.exists()


# --- The form --------------------------------------------------------------------------------


def test_application_edit_renders_the_cohorts_questions_and_both_buttons(english):
    application = ApplicationFactory()
    QuestionFactory(cohort=application.cohort, text_en="What is your budget?", kind=QuestionKind.NUMBER)
    QuestionFactory(cohort=application.cohort, text_en="Your plan", kind=QuestionKind.FILE, required=True)
    _login(english, application.applicant)

    body = english.get(reverse("cohorts:application_edit", kwargs={"pk": application.pk})).content.decode()

    assert "What is your budget?" in body
    assert 'type="file"' in body
    assert 'enctype="multipart/form-data"' in body
    assert 'data-testid="save-draft"' in body
    assert 'data-testid="submit-application"' in body
    assert application.cohort.privacy_notice in body


def test_application_edit_save_draft_keeps_it_a_draft_without_required_fields(client):
    application = ApplicationFactory(motivation="")
    QuestionFactory(cohort=application.cohort, required=True)
    _login(client, application.applicant)
    url = reverse("cohorts:application_edit", kwargs={"pk": application.pk})

    response = client.post(url, {"action": "save", "expectations": "ได้เครือข่าย"})

    application.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, url)
    assert (application.status, application.expectations) == (ApplicationStatus.DRAFT, "ได้เครือข่าย")


def test_application_edit_submit_with_a_required_question_missing_shows_the_error(english):
    application = ApplicationFactory()
    question = QuestionFactory(cohort=application.cohort, required=True)
    _login(english, application.applicant)

    response = english.post(
        reverse("cohorts:application_edit", kwargs={"pk": application.pk}),
        {"action": "submit", **_complete_form(application)},
    )

    application.refresh_from_db()
    assert response.status_code == 200
    assert [error.code for error in response.context["form"].errors.as_data()[f"q_{question.pk}"]] == ["required"]
    assert application.status == ApplicationStatus.DRAFT
    assert not OutboundEmail.objects.exists()


def test_application_edit_submit_without_consent_is_refused(english):
    application = ApplicationFactory()
    _login(english, application.applicant)
    data = _complete_form(application)
    del data["consent"]

    response = english.post(
        reverse("cohorts:application_edit", kwargs={"pk": application.pk}), {"action": "submit", **data}
    )

    application.refresh_from_db()
    assert list(response.context["form"].errors) == ["consent"]
    assert application.status == ApplicationStatus.DRAFT


def test_application_edit_submit_submits_records_consent_and_emails_once(english):
    application = ApplicationFactory(cohort=CohortFactory(privacy_notice_version="2027-1"))
    _login(english, application.applicant)
    url = reverse("cohorts:application_edit", kwargs={"pk": application.pk})

    response = english.post(url, {"action": "submit", **_complete_form(application)})
    english.post(url, {"action": "submit", **_complete_form(application)})

    application.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, application.get_absolute_url())
    assert (application.status, application.consent_version) == (ApplicationStatus.SUBMITTED, "2027-1")
    assert (application.organisation.name, application.organisation.region) == ("มูลนิธิอันดามัน", "south")
    assert OutboundEmail.objects.filter(key=f"application-submitted:{application.pk}").count() == 1
    detail = english.get(application.get_absolute_url()).content.decode()
    assert 'data-testid="application-status">Submitted<' in detail


def test_application_edit_of_a_submitted_application_stays_submitted(english):
    application = SubmittedApplicationFactory(organisation=OrganisationFactory(created_by=None))
    _login(english, application.applicant)
    url = reverse("cohorts:application_edit", kwargs={"pk": application.pk})
    form_page = english.get(url).content.decode()

    english.post(url, {"action": "submit", **_complete_form(application, motivation="ชัดเจนขึ้น")})

    application.refresh_from_db()
    assert 'data-testid="save-draft"' not in form_page
    assert (application.status, application.motivation) == (ApplicationStatus.SUBMITTED, "ชัดเจนขึ้น")


def test_application_edit_upload_of_the_wrong_type_or_size_is_a_form_error(english):
    application = ApplicationFactory()
    question = QuestionFactory(cohort=application.cohort, kind=QuestionKind.FILE)
    _login(english, application.applicant)
    url = reverse("cohorts:application_edit", kwargs={"pk": application.pk})

    wrong_type = english.post(
        url, {"action": "save", f"q_{question.pk}": SimpleUploadedFile("virus.exe", b"MZ\x90\x00")}
    )
    too_big = english.post(
        url, {"action": "save", f"q_{question.pk}": SimpleUploadedFile("big.pdf", PDF + b"0" * (5 * 1024 * 1024))}
    )

    assert wrong_type.status_code == 200
    assert wrong_type.context["form"].errors.as_data()[f"q_{question.pk}"][0].code == "file_type"
    assert too_big.context["form"].errors.as_data()[f"q_{question.pk}"][0].code == "file_too_large"
    assert "This type of file is not accepted." in wrong_type.content.decode()
    assert "Files can be at most 5 MB." in too_big.content.decode()
    assert not Answer.objects.exists()


def test_application_edit_upload_is_stored_and_downloaded_by_its_owner_only(client):
    application = ApplicationFactory()
    question = QuestionFactory(cohort=application.cohort, kind=QuestionKind.FILE)
    _login(client, application.applicant)
    client.post(
        reverse("cohorts:application_edit", kwargs={"pk": application.pk}),
        {"action": "save", f"q_{question.pk}": SimpleUploadedFile("plan.pdf", PDF, "application/pdf")},
    )
    url = reverse("cohorts:application_file", kwargs={"pk": application.pk, "question_id": question.pk})

    own = client.get(url)
    _login(client, UserFactory())
    other = client.get(url)

    assert own.status_code == 200
    assert b"".join(own.streaming_content) == PDF
    assert 'filename="plan.pdf"' in own["Content-Disposition"]
    assert other.status_code == 404


def test_application_form_open_when_the_deadline_passes_keeps_the_typed_text_and_says_why(english):
    with time_machine.travel(DEADLINE - timedelta(days=1), tick=False):
        application = ApplicationFactory(cohort=CohortFactory(applications_close_at=DEADLINE))
    url = reverse("cohorts:application_edit", kwargs={"pk": application.pk})
    with time_machine.travel(DEADLINE - timedelta(minutes=5), tick=False):
        _login(english, application.applicant)
        assert english.get(url).status_code == 200
    history_rows = application.history.count()

    with time_machine.travel(DEADLINE + timedelta(seconds=1), tick=False):
        response = english.post(
            url, {"action": "submit", **_complete_form(application, motivation="ข้อความที่พิมพ์ไว้ก่อนหมดเวลา")}
        )

    body = response.content.decode()
    application.refresh_from_db()
    assert response.status_code == 200
    assert "ข้อความที่พิมพ์ไว้ก่อนหมดเวลา" in body
    assert "The deadline for this call passed on 15 March 2027, 17:00 (Bangkok time)." in body
    assert "your changes were not saved" in body
    assert (application.status, application.motivation) == (ApplicationStatus.DRAFT, "อยากพัฒนากลยุทธ์ขององค์กร")
    assert application.history.count() == history_rows
    assert application.organisation is None
    assert not OutboundEmail.objects.exists()


def test_application_edit_after_the_deadline_sends_the_page_to_the_application(client):
    application = ApplicationFactory(cohort=CohortFactory(status=CohortStatus.CLOSED))
    _login(client, application.applicant)

    response = client.get(reverse("cohorts:application_edit", kwargs={"pk": application.pk}))

    assert (response.status_code, response["Location"]) == (302, application.get_absolute_url())


# --- Withdraw and "My applications" ------------------------------------------------------------


def test_application_withdraw_asks_then_withdraws(english):
    application = SubmittedApplicationFactory()
    _login(english, application.applicant)
    url = reverse("cohorts:application_withdraw", kwargs={"pk": application.pk})

    confirm = english.get(url)
    application.refresh_from_db()
    status_after_get = application.status
    response = english.post(url)

    application.refresh_from_db()
    assert 'data-testid="confirm-withdraw"' in confirm.content.decode()
    assert status_after_get == ApplicationStatus.SUBMITTED
    assert (response.status_code, application.status) == (302, ApplicationStatus.WITHDRAWN)
    detail = english.get(application.get_absolute_url()).content.decode()
    assert 'data-testid="application-status">Withdrawn<' in detail


def test_my_applications_shows_each_status(english):
    user = UserFactory()
    ApplicationFactory(applicant=user, cohort=CohortFactory(name="Cohort A"))
    SubmittedApplicationFactory(applicant=user, cohort=CohortFactory(name="Cohort B"))
    ApplicationFactory(applicant=user, cohort=CohortFactory(name="Cohort C"), status=ApplicationStatus.WITHDRAWN)
    _login(english, user)

    body = english.get(reverse("cohorts:my_applications")).content.decode()

    for text in ["Cohort A", "Cohort B", "Cohort C", ">Draft<", ">Submitted<", ">Withdrawn<"]:
        assert text in body, text


def test_navigation_links_to_open_calls_and_my_applications(english):
    anonymous = english.get(reverse("cohorts:call_list")).content.decode()
    _login(english, UserFactory())
    signed_in = english.get(reverse("cohorts:call_list")).content.decode()

    assert reverse("cohorts:call_list") in anonymous
    assert reverse("cohorts:my_applications") not in anonymous
    assert reverse("cohorts:my_applications") in signed_in


def _applications_for(user, count: int) -> None:
    for _ in range(count):
        SubmittedApplicationFactory(applicant=user, cohort=CohortFactory(program=ProgramFactory()))


def test_my_applications_query_count_with_one_application(client, django_assert_num_queries):
    user = UserFactory()
    _applications_for(user, 1)
    _login(client, user)

    with django_assert_num_queries(3):
        response = client.get(reverse("cohorts:my_applications"))

    assert response.content.decode().count('data-testid="application-row"') == 1


def test_my_applications_query_count_with_many_applications(client, django_assert_num_queries):
    user = UserFactory()
    _applications_for(user, 8)
    _login(client, user)

    with django_assert_num_queries(3):
        response = client.get(reverse("cohorts:my_applications"))

    assert response.content.decode().count('data-testid="application-row"') == 8


# --- Permission matrix -----------------------------------------------------------------------


def _owned_application():
    """An application with personal data in it, a file answer and an assigned reviewer."""
    owner = UserFactory()
    application = SubmittedApplicationFactory(
        applicant=owner, motivation=SECRET, organisation=OrganisationFactory(name=SECRET_ORGANISATION)
    )
    question = QuestionFactory(cohort=application.cohort, kind=QuestionKind.FILE)
    Answer.objects.create(
        application=application,
        question=question,
        value="secret-plan.pdf",
        file=SimpleUploadedFile("secret-plan.pdf", PDF, "application/pdf"),
    )
    ReviewAssignmentFactory(application=application)
    return application, question


def _people(application) -> dict:
    other_applicant = UserFactory()
    ApplicationFactory(applicant=other_applicant, cohort=application.cohort)
    unassigned_reviewer = UserFactory()
    ReviewAssignmentFactory(reviewer=unassigned_reviewer)
    other_staff = StaffFactory()
    ProgramFactory().staff.add(other_staff)
    return {
        "another applicant": other_applicant,
        "reviewer not assigned": unassigned_reviewer,
        "staff of another program": other_staff,
    }


def _urls(application, question) -> list[tuple[str, str]]:
    pk = {"pk": application.pk}
    return [
        ("get", reverse("cohorts:application_detail", kwargs=pk)),
        ("get", reverse("cohorts:application_edit", kwargs=pk)),
        ("post", reverse("cohorts:application_edit", kwargs=pk)),
        ("get", reverse("cohorts:application_withdraw", kwargs=pk)),
        ("post", reverse("cohorts:application_withdraw", kwargs=pk)),
        ("get", reverse("cohorts:application_file", kwargs={**pk, "question_id": question.pk})),
    ]


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode()


def _assert_no_leak(response) -> None:
    body = _body(response)
    assert SECRET not in body
    assert SECRET_ORGANISATION not in body
    assert "secret-plan" not in body


def test_application_pages_for_anonymous_redirect_to_login(client):
    application, question = _owned_application()

    file_url = reverse("cohorts:application_file", kwargs={"pk": application.pk, "question_id": question.pk})
    for method, url in _urls(application, question):
        response = getattr(client, method)(url, {"action": "submit", "motivation": "x"} if method == "post" else {})
        if url == file_url:
            # A file answers 404 to anonymous visitors: a login page would say that it exists.
            assert response.status_code == 404
        else:
            assert (response.status_code, response["Location"]) == (302, f"{reverse('account_login')}?next={url}"), url
        _assert_no_leak(response)

    application.refresh_from_db()
    assert (application.status, application.motivation) == (ApplicationStatus.SUBMITTED, SECRET)


@pytest.mark.parametrize("role", ["another applicant", "reviewer not assigned", "staff of another program"])
def test_application_pages_for_anyone_but_the_applicant_are_not_found(client, role):
    application, question = _owned_application()
    _login(client, _people(application)[role])

    for method, url in _urls(application, question):
        response = getattr(client, method)(url, {"action": "submit", "motivation": "x"} if method == "post" else {})
        assert response.status_code == 404, url
        _assert_no_leak(response)
    listing = client.get(reverse("cohorts:my_applications"))

    application.refresh_from_db()
    assert listing.status_code == 200
    _assert_no_leak(listing)
    assert (application.status, application.motivation) == (ApplicationStatus.SUBMITTED, SECRET)


def test_application_pages_for_the_applicant_are_shown(client):
    application, question = _owned_application()
    _login(client, application.applicant)

    pages = [(method, url) for method, url in _urls(application, question) if method == "get"]
    for _method, url in pages:
        assert client.get(url).status_code == 200, url
    detail = client.get(application.get_absolute_url()).content.decode()
    listing = client.get(reverse("cohorts:my_applications")).content.decode()

    assert SECRET in detail
    assert SECRET_ORGANISATION in detail
    assert application.cohort.name in listing
