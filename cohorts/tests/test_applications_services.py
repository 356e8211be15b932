"""Applicant services on the real database: drafts, the deadline, submission, edits, withdrawal."""

import threading
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from cohorts.enums import ApplicationStatus, CohortStatus, OrganisationKind, QuestionKind, TrackKind
from cohorts.models import Answer, Application, Organisation
from cohorts.services.applications import (
    ApplicationClosedError,
    application_answers_save,
    application_save_draft,
    application_start,
    application_submit,
    application_withdraw,
    organisation_create,
    organisation_update,
)
from cohorts.tests.factories import (
    ApplicationFactory,
    CohortFactory,
    OrganisationFactory,
    QuestionFactory,
    SubmittedApplicationFactory,
    TrackFactory,
)
from incubator.dates import BANGKOK
from incubator.models import OutboundEmail
from incubator.tests.factories import UserFactory
from incubator.tests.files import PDF, image_bytes

pytestmark = pytest.mark.django_db

DEADLINE = datetime(2027, 3, 15, 17, 0, tzinfo=BANGKOK)


PNG = image_bytes("PNG")


def _cohort_with_deadline(**kwargs):
    return CohortFactory(applications_open_at=DEADLINE - timedelta(days=30), applications_close_at=DEADLINE, **kwargs)


def _complete_draft(cohort=None, **kwargs) -> Application:
    """An organisation-track draft with everything submission needs, consent included."""
    cohort = cohort or CohortFactory()
    applicant = kwargs.pop("applicant", None) or UserFactory()
    fields = {
        "organisation": OrganisationFactory(created_by=applicant),
        "consent_version": cohort.privacy_notice_version,
        "consented_at": cohort.applications_open_at,
        **kwargs,
    }
    return ApplicationFactory(cohort=cohort, applicant=applicant, **fields)


def _submitted_emails(application) -> int:
    return OutboundEmail.objects.filter(key=f"application-submitted:{application.pk}").count()


# --- Organisations ---------------------------------------------------------------------------


def test_organisation_create_sets_region_from_province():
    user = UserFactory()

    organisation = organisation_create(
        by=user, data={"name": "มูลนิธิรักษ์น่าน", "kind": OrganisationKind.NGO, "province": "TH-55"}
    )

    assert (organisation.region, organisation.created_by) == ("north", user)


def test_organisation_update_moves_region_with_province():
    organisation = OrganisationFactory(province="TH-82", region="south")

    organisation_update(organisation=organisation, data={"province": "TH-40"})

    organisation.refresh_from_db()
    assert (organisation.province, organisation.region) == ("TH-40", "northeast")


def test_organisation_create_requires_kind_and_province_unless_incomplete_is_allowed():
    with pytest.raises(ValidationError) as error:
        organisation_create(by=None, data={"name": "ยังไม่ครบ"})

    draft = organisation_create(by=None, data={"name": "ยังไม่ครบ"}, allow_incomplete=True)

    assert set(error.value.message_dict) == {"kind", "province"}
    assert (draft.province, draft.region) == ("", "")


# --- Starting ----------------------------------------------------------------------------------


def test_application_start_creates_a_draft_on_the_chosen_track():
    track = TrackFactory(kind=TrackKind.INTRAPRENEUR)
    user = UserFactory()

    application = application_start(cohort=track.cohort, track=track, applicant=user)

    assert (application.status, application.track, application.applicant) == (ApplicationStatus.DRAFT, track, user)
    assert list(application.history.values_list("history_change_reason", "history_user")) == [("started", user.pk)]


def test_application_start_again_returns_the_existing_application():
    cohort = CohortFactory()
    organisation_track = TrackFactory(cohort=cohort, kind=TrackKind.ORGANISATION)
    team_track = TrackFactory(cohort=cohort, kind=TrackKind.TEAM)
    user = UserFactory()
    first = application_start(cohort=cohort, track=organisation_track, applicant=user)

    again = application_start(cohort=cohort, track=team_track, applicant=user)

    assert (again.pk, again.track) == (first.pk, organisation_track)
    assert Application.objects.filter(cohort=cohort, applicant=user).count() == 1


def test_application_start_reuses_the_applicants_last_organisation():
    user = UserFactory()
    organisation = OrganisationFactory(created_by=user)
    track = TrackFactory(kind=TrackKind.ORGANISATION)

    application = application_start(cohort=track.cohort, track=track, applicant=user)

    assert application.organisation == organisation


def test_application_start_on_a_track_of_another_cohort_is_refused():
    track = TrackFactory()

    with pytest.raises(ValidationError):
        application_start(cohort=CohortFactory(), track=track, applicant=UserFactory())


def test_application_start_after_the_deadline_is_refused():
    cohort = _cohort_with_deadline()
    track = TrackFactory(cohort=cohort)

    with time_machine.travel(DEADLINE + timedelta(seconds=1), tick=False), pytest.raises(ApplicationClosedError):
        application_start(cohort=cohort, track=track, applicant=UserFactory())

    assert not Application.objects.exists()


# --- The deadline ----------------------------------------------------------------------------


def test_application_submit_one_second_before_the_deadline_succeeds():
    with time_machine.travel(DEADLINE - timedelta(days=1), tick=False):
        application = _complete_draft(_cohort_with_deadline())

    with time_machine.travel(DEADLINE - timedelta(seconds=1), tick=False):
        application_submit(application=application, by=application.applicant)

    application.refresh_from_db()
    assert (application.status, application.submitted_at) == (
        ApplicationStatus.SUBMITTED,
        DEADLINE - timedelta(seconds=1),
    )


@pytest.mark.parametrize("after", [timedelta(0), timedelta(seconds=1)])
def test_application_submit_at_or_after_the_deadline_is_refused_and_changes_nothing(after):
    with time_machine.travel(DEADLINE - timedelta(days=1), tick=False):
        application = _complete_draft(_cohort_with_deadline())

    with time_machine.travel(DEADLINE + after, tick=False), pytest.raises(ApplicationClosedError) as error:
        application_submit(application=application, by=application.applicant, data={"motivation": "late"})

    application.refresh_from_db()
    assert error.value.code == "closed"
    assert (application.status, application.motivation, application.submitted_at) == (
        ApplicationStatus.DRAFT,
        "อยากพัฒนากลยุทธ์ขององค์กร",
        None,
    )
    assert _submitted_emails(application) == 0


def test_application_save_draft_after_the_deadline_is_refused_and_changes_nothing():
    with time_machine.travel(DEADLINE - timedelta(days=1), tick=False):
        application = _complete_draft(_cohort_with_deadline())
        question = QuestionFactory(cohort=application.cohort)

    with time_machine.travel(DEADLINE + timedelta(seconds=1), tick=False), pytest.raises(ApplicationClosedError):
        application_save_draft(
            application=application,
            by=application.applicant,
            data={"motivation": "changed"},
            answers={question.pk: "late answer"},
        )

    application.refresh_from_db()
    assert application.motivation == "อยากพัฒนากลยุทธ์ขององค์กร"
    assert not Answer.objects.exists()
    assert application.history.count() == 1


def test_application_edit_of_a_submitted_application_after_the_deadline_is_refused():
    with time_machine.travel(DEADLINE - timedelta(days=1), tick=False):
        application = _complete_draft(_cohort_with_deadline())
        application_submit(application=application, by=application.applicant)

    with time_machine.travel(DEADLINE + timedelta(seconds=1), tick=False), pytest.raises(ApplicationClosedError):
        application_submit(application=application, by=application.applicant, data={"motivation": "after"})

    application.refresh_from_db()
    assert (application.status, application.motivation) == (ApplicationStatus.SUBMITTED, "อยากพัฒนากลยุทธ์ขององค์กร")


def test_application_save_draft_when_staff_closed_the_call_early_is_refused():
    application = _complete_draft()
    application.cohort.status = CohortStatus.CLOSED
    application.cohort.save(update_fields=["status"])

    with pytest.raises(ApplicationClosedError):
        application_save_draft(application=application, by=application.applicant, data={"motivation": "x"})


# --- Editing a submitted application ---------------------------------------------------------


def test_application_edit_before_the_deadline_keeps_it_submitted():
    application = _complete_draft()
    application_submit(application=application, by=application.applicant)
    submitted_at = application.submitted_at

    application_save_draft(application=application, by=application.applicant, data={"motivation": "ชัดเจนขึ้น"})

    application.refresh_from_db()
    assert (application.status, application.motivation, application.submitted_at) == (
        ApplicationStatus.SUBMITTED,
        "ชัดเจนขึ้น",
        submitted_at,
    )
    assert list(application.history.order_by("history_date").values_list("history_change_reason", flat=True)) == [
        None,
        "submitted",
        "edited",
    ]


def test_application_edit_of_a_submitted_application_must_stay_complete():
    application = _complete_draft()
    application_submit(application=application, by=application.applicant)

    with pytest.raises(ValidationError) as error:
        application_save_draft(application=application, by=application.applicant, data={"motivation": ""})

    application.refresh_from_db()
    assert set(error.value.message_dict) == {"motivation"}
    assert application.motivation == "อยากพัฒนากลยุทธ์ขององค์กร"


# --- Required fields, questions and consent --------------------------------------------------


def test_application_save_draft_does_not_enforce_required_questions_or_fields():
    application = ApplicationFactory(motivation="")
    QuestionFactory(cohort=application.cohort, required=True)

    application_save_draft(application=application, by=application.applicant, data={"expectations": "เรียนรู้"})

    application.refresh_from_db()
    assert (application.status, application.expectations) == (ApplicationStatus.DRAFT, "เรียนรู้")


def test_application_submit_enforces_required_questions():
    application = _complete_draft()
    required = QuestionFactory(cohort=application.cohort, required=True)
    QuestionFactory(cohort=application.cohort, required=False)
    other_track = TrackFactory(cohort=application.cohort, kind=TrackKind.TEAM)
    QuestionFactory(cohort=application.cohort, required=True, track=other_track)

    with pytest.raises(ValidationError) as error:
        application_submit(application=application, by=application.applicant)

    application.refresh_from_db()
    assert set(error.value.message_dict) == {f"q_{required.pk}"}
    assert application.status == ApplicationStatus.DRAFT


def test_application_submit_with_the_required_question_answered_succeeds():
    application = _complete_draft()
    required = QuestionFactory(cohort=application.cohort, required=True)

    application_submit(application=application, by=application.applicant, answers={required.pk: "คำตอบ"})

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert Answer.objects.get(application=application, question=required).value == "คำตอบ"


def test_application_submit_enforces_the_fields_of_the_intrapreneur_track():
    cohort = CohortFactory()
    application = _complete_draft(cohort, track=TrackFactory(cohort=cohort, kind=TrackKind.INTRAPRENEUR))

    with pytest.raises(ValidationError) as error:
        application_submit(application=application, by=application.applicant, data={"employer": "ธนาคารไทย"})

    assert set(error.value.message_dict) == {
        "job_title",
        "skills",
        "sectors",
        "travel_provinces",
        "languages",
        "availability_days_per_month",
    }


def test_application_submit_enforces_the_organisation_of_the_organisation_track():
    application = _complete_draft(organisation=None)

    with pytest.raises(ValidationError) as error:
        application_submit(application=application, by=application.applicant, organisation={"name": "กลุ่มรักษ์ป่า"})

    assert set(error.value.message_dict) == {"org_kind", "org_province", "org_needs"}
    assert not Organisation.objects.filter(name="กลุ่มรักษ์ป่า").exists()


def test_application_submit_without_consent_is_refused():
    application = _complete_draft(consent_version="", consented_at=None)

    with pytest.raises(ValidationError) as error:
        application_submit(application=application, by=application.applicant)

    assert set(error.value.message_dict) == {"consent"}


def test_application_submit_records_consent_with_the_notice_version():
    cohort = CohortFactory(privacy_notice_version="2027-1")
    application = _complete_draft(cohort, consent_version="", consented_at=None)

    with time_machine.travel(cohort.applications_close_at - timedelta(days=1), tick=False):
        application_submit(application=application, by=application.applicant, consent=True)

    application.refresh_from_db()
    assert (application.consent_version, application.consented_at) == (
        "2027-1",
        cohort.applications_close_at - timedelta(days=1),
    )


def test_application_consent_to_an_older_notice_version_must_be_given_again():
    application = _complete_draft(consent_version="0.9")

    with pytest.raises(ValidationError) as error:
        application_submit(application=application, by=application.applicant)

    assert set(error.value.message_dict) == {"consent"}


def test_application_save_draft_by_someone_else_is_refused():
    application = _complete_draft()

    with pytest.raises(PermissionDenied):
        application_save_draft(application=application, by=UserFactory(), data={"motivation": "not mine"})


# --- Answers ---------------------------------------------------------------------------------


def test_application_answers_save_stores_each_kind():
    application = ApplicationFactory()
    cohort = application.cohort
    yes_no = QuestionFactory(cohort=cohort, kind=QuestionKind.YES_NO)
    number = QuestionFactory(cohort=cohort, kind=QuestionKind.NUMBER)
    many = QuestionFactory(cohort=cohort, kind=QuestionKind.MULTIPLE_CHOICE, choices="การเงิน\nกลยุทธ์\nทีม")
    one = QuestionFactory(cohort=cohort, kind=QuestionKind.SINGLE_CHOICE, choices="ใช่\nไม่แน่ใจ")

    application_answers_save(
        application=application,
        answers={yes_no.pk: False, number.pk: 12.0, many.pk: ["การเงิน", "ทีม"], one.pk: "ไม่แน่ใจ"},
    )

    assert dict(Answer.objects.values_list("question_id", "value")) == {
        yes_no.pk: False,
        number.pk: 12,
        many.pk: ["การเงิน", "ทีม"],
        one.pk: "ไม่แน่ใจ",
    }


def test_application_answers_save_refuses_a_choice_that_is_not_offered():
    application = ApplicationFactory()
    question = QuestionFactory(cohort=application.cohort, kind=QuestionKind.SINGLE_CHOICE, choices="ก\nข")

    with pytest.raises(ValidationError) as error:
        application_answers_save(application=application, answers={question.pk: "ค"})

    assert set(error.value.message_dict) == {f"q_{question.pk}"}


def test_application_answers_save_stores_replaces_and_removes_a_file():
    application = ApplicationFactory()
    question = QuestionFactory(cohort=application.cohort, kind=QuestionKind.FILE)

    application_answers_save(
        application=application, answers={question.pk: SimpleUploadedFile("plan.pdf", PDF, "application/pdf")}
    )
    first = Answer.objects.get()
    first_name = first.file.name
    application_answers_save(
        application=application, answers={question.pk: SimpleUploadedFile("photo.png", PNG, "image/png")}
    )
    second = Answer.objects.get()
    kept = second.file.name
    application_answers_save(application=application, answers={question.pk: None})
    application_answers_save(application=application, answers={question.pk: False})
    removed = Answer.objects.get()

    assert (first.value, second.value, removed.value, removed.file.name) == ("plan.pdf", "photo.png", None, "")
    assert first_name.startswith("answers/")  # a random name in the private storage
    assert kept != first_name


def test_application_save_draft_refuses_an_oversized_upload_with_a_field_error():
    application = ApplicationFactory()
    question = QuestionFactory(cohort=application.cohort, kind=QuestionKind.FILE)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (5 * 1024 * 1024), "application/pdf")

    with pytest.raises(ValidationError) as error:
        application_save_draft(application=application, by=application.applicant, answers={question.pk: big})

    assert error.value.error_dict[f"q_{question.pk}"][0].code == "file_too_large"
    assert not Answer.objects.exists()


# --- Submission, email and history -----------------------------------------------------------


def test_application_submit_queues_one_confirmation_email_in_the_applicants_language():
    application = _complete_draft(applicant=UserFactory(preferred_language="en"))

    application_submit(application=application, by=application.applicant)
    application_submit(application=application, by=application.applicant)

    email = OutboundEmail.objects.get(key=f"application-submitted:{application.pk}")
    assert OutboundEmail.objects.count() == 1
    assert (email.to, email.language, email.recipient_user) == (
        application.applicant.email,
        "en",
        application.applicant,
    )
    assert email.subject == f"Application received: {application.cohort.program.name_en}, {application.cohort.name}"
    assert f"/applications/{application.pk}/" in email.body_text


def test_application_submit_records_the_status_change_in_history_with_the_user():
    application = _complete_draft()

    application_submit(application=application, by=application.applicant)

    latest = application.history.latest("history_date")
    assert (latest.status, latest.history_user, latest.history_change_reason) == (
        ApplicationStatus.SUBMITTED,
        application.applicant,
        "submitted",
    )


def test_application_submit_updates_the_callers_instance():
    application = _complete_draft()

    returned = application_submit(application=application, by=application.applicant)

    assert returned is application
    assert application.status == ApplicationStatus.SUBMITTED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_application_submit_twice_at_once_yields_one_submission_one_history_row_and_one_email():
    application = _complete_draft()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            own = Application.objects.get(pk=application.pk)
            barrier.wait(timeout=10)
            application_submit(application=own, by=own.applicant)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.SUBMITTED
    assert application.history.filter(status=ApplicationStatus.SUBMITTED).count() == 1
    assert OutboundEmail.objects.filter(key=f"application-submitted:{application.pk}").count() == 1


# --- Withdrawal ------------------------------------------------------------------------------


def test_application_withdraw_a_submitted_application_records_history():
    application = SubmittedApplicationFactory()

    application_withdraw(application=application, by=application.applicant)

    application.refresh_from_db()
    latest = application.history.latest("history_date")
    assert application.status == ApplicationStatus.WITHDRAWN
    assert application.withdrawn_at is not None
    assert (latest.status, latest.history_change_reason, latest.history_user) == (
        ApplicationStatus.WITHDRAWN,
        "withdrawn",
        application.applicant,
    )


def test_application_withdraw_after_the_deadline_is_allowed():
    with time_machine.travel(DEADLINE - timedelta(days=1), tick=False):
        application = SubmittedApplicationFactory(cohort=_cohort_with_deadline())

    with time_machine.travel(DEADLINE + timedelta(days=1), tick=False):
        application_withdraw(application=application, by=application.applicant)

    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.WITHDRAWN


def test_application_withdraw_twice_changes_nothing_the_second_time():
    application = ApplicationFactory()
    application_withdraw(application=application, by=application.applicant)
    rows = application.history.count()

    application_withdraw(application=application, by=application.applicant)

    assert application.history.count() == rows


@pytest.mark.parametrize("status", [ApplicationStatus.REJECTED])
def test_application_withdraw_after_a_decision_is_refused(status):
    # An accepted application can be withdrawn: that declines the place (test_staging.py).
    application = SubmittedApplicationFactory(status=status)

    with pytest.raises(ValidationError) as error:
        application_withdraw(application=application, by=application.applicant)

    application.refresh_from_db()
    assert (error.value.code, application.status) == ("not_withdrawable", status)


def test_application_edit_of_a_withdrawn_application_is_refused():
    application = ApplicationFactory(status=ApplicationStatus.WITHDRAWN)

    with pytest.raises(ValidationError) as error:
        application_save_draft(application=application, by=application.applicant, data={"motivation": "again"})

    assert error.value.code == "not_editable"
