"""Staff write to a group of a call's applicants: the right people in each group, one email
per person through the outbox, exactly once per message (a resubmitted form sends nothing),
the count staff saw is the count sent, and only the program's staff reach the pages."""

import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.urls import reverse

from cohorts.enums import ApplicationStatus, MessageGroup
from cohorts.models import CohortMessage
from cohorts.selectors.messages import message_recipients
from cohorts.services.messages import cohort_message_send
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import (
    ApplicationFactory,
    CohortFactory,
    PhaseFactory,
    ProgramFactory,
    ReviewAssignmentFactory,
    SubmittedApplicationFactory,
)
from incubator.models import OutboundEmail
from incubator.tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

SUBJECT = "นัดหมายสำคัญสำหรับผู้สมัคร"
BODY = "กรุณายืนยันการเข้าร่วมภายในวันศุกร์นี้"


@pytest.fixture
def call():
    """A call with one application in every status, two in a phase (one withdrawn), and a
    second call of the same program whose applicants must never be reached."""
    program = ProgramFactory()
    cohort = CohortFactory(program=program)
    phase = PhaseFactory(cohort=cohort, name="รอบสัมภาษณ์")
    by_status = {}
    for status in ApplicationStatus:
        factory = ApplicationFactory if status == ApplicationStatus.DRAFT else SubmittedApplicationFactory
        by_status[status] = factory(cohort=cohort, status=status, applicant=UserFactory(full_name=f"คน {status}"))
    in_phase = SubmittedApplicationFactory(cohort=cohort, phase=phase, status=ApplicationStatus.SHORTLISTED)
    withdrawn_in_phase = SubmittedApplicationFactory(cohort=cohort, phase=phase, status=ApplicationStatus.WITHDRAWN)
    other_cohort = CohortFactory(program=program)
    for status in ApplicationStatus:
        ApplicationFactory(cohort=other_cohort, status=status)
    staff = UserFactory(full_name="เจ้าหน้าที่โครงการ")
    staff_grant_program_role(user=staff, program=program)
    other_staff = UserFactory()
    staff_grant_program_role(user=other_staff, program=ProgramFactory())
    return {
        "cohort": cohort,
        "phase": phase,
        "by_status": by_status,
        "in_phase": in_phase,
        "withdrawn_in_phase": withdrawn_in_phase,
        "staff": staff,
        "other_staff": other_staff,
    }


def _send(call, group=MessageGroup.WAITLISTED, token=None, **kwargs):
    return cohort_message_send(
        cohort=call["cohort"],
        group=group,
        phase=kwargs.pop("phase", None),
        subject=SUBJECT,
        body=BODY,
        token=token or uuid.uuid4(),
        by=call["staff"],
        **kwargs,
    )


# --- who is in each group ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "status"),
    [
        (MessageGroup.SHORTLISTED, ApplicationStatus.SHORTLISTED),
        (MessageGroup.WAITLISTED, ApplicationStatus.WAITLISTED),
        (MessageGroup.ACCEPTED, ApplicationStatus.ACCEPTED),
        (MessageGroup.REJECTED, ApplicationStatus.REJECTED),
        (MessageGroup.DRAFTS, ApplicationStatus.DRAFT),
    ],
)
def test_message_recipients_of_a_status_group_are_that_status_in_that_call_only(call, group, status):
    recipients = list(message_recipients(cohort=call["cohort"], group=group))

    expected = [call["by_status"][status]]
    if group == MessageGroup.SHORTLISTED:
        expected.append(call["in_phase"])
    assert recipients == sorted(expected, key=lambda application: application.pk)
    assert {application.status for application in recipients} == {status}


def test_message_recipients_drafts_are_drafts_only(call):
    ApplicationFactory(cohort=call["cohort"], applicant=UserFactory(), status=ApplicationStatus.DRAFT)

    recipients = list(message_recipients(cohort=call["cohort"], group=MessageGroup.DRAFTS))

    assert len(recipients) == 2
    assert all(application.status == ApplicationStatus.DRAFT for application in recipients)
    assert all(application.submitted_at is None for application in recipients)


def test_message_recipients_of_a_phase_are_those_still_in_it(call):
    recipients = list(message_recipients(cohort=call["cohort"], group=MessageGroup.PHASE, phase=call["phase"]))

    assert recipients == [call["in_phase"]]


def test_message_recipients_of_another_calls_phase_are_nobody(call):
    foreign = PhaseFactory(cohort=CohortFactory())

    assert list(message_recipients(cohort=call["cohort"], group=MessageGroup.PHASE, phase=foreign)) == []


def test_message_recipients_leave_out_deactivated_accounts(call):
    applicant = call["by_status"][ApplicationStatus.WAITLISTED].applicant
    applicant.is_active = False
    applicant.save(update_fields=["is_active"])

    assert list(message_recipients(cohort=call["cohort"], group=MessageGroup.WAITLISTED)) == []


# --- sending ---------------------------------------------------------------------------------------


def test_cohort_message_send_queues_one_email_per_person_and_counts_them(call):
    for _ in range(3):
        SubmittedApplicationFactory(cohort=call["cohort"], status=ApplicationStatus.WAITLISTED)

    message, sent = _send(call, expected_count=4)

    rows = OutboundEmail.objects.filter(key__startswith=f"cohort-message:{message.pk}:")
    people = {
        application.applicant.email for application in message_recipients(cohort=call["cohort"], group="waitlisted")
    }
    assert sent is True
    assert message.recipients == 4
    assert rows.count() == 4
    assert set(rows.values_list("to", flat=True)) == people
    assert all(row.subject == SUBJECT for row in rows)
    assert all(BODY in row.body_text for row in rows)


def test_cohort_message_send_twice_with_the_same_form_sends_nothing_more(call):
    token = uuid.uuid4()
    first, sent_first = _send(call, token=token)
    second, sent_second = _send(call, token=token)

    assert (sent_first, sent_second) == (True, False)
    assert second.pk == first.pk
    assert CohortMessage.objects.count() == 1
    assert OutboundEmail.objects.filter(key__startswith="cohort-message:").count() == 1


def test_cohort_message_send_refuses_when_the_group_changed_since_the_preview(call):
    with pytest.raises(ValidationError) as error:
        _send(call, expected_count=2)

    assert error.value.code == "group_changed"
    assert CohortMessage.objects.count() == 0
    assert not OutboundEmail.objects.filter(key__startswith="cohort-message:").exists()


def test_cohort_message_send_to_an_empty_group_is_refused_and_saves_nothing(call):
    call["by_status"][ApplicationStatus.ACCEPTED].delete()

    with pytest.raises(ValidationError):
        _send(call, group=MessageGroup.ACCEPTED)

    assert CohortMessage.objects.count() == 0


def test_cohort_message_send_to_a_phase_needs_a_phase_of_the_call(call):
    with pytest.raises(ValidationError):
        _send(call, group=MessageGroup.PHASE, phase=PhaseFactory(cohort=CohortFactory()))
    message, _sent = _send(call, group=MessageGroup.PHASE, phase=call["phase"])

    assert message.recipients == 1
    assert OutboundEmail.objects.get(key__startswith=f"cohort-message:{message.pk}:").to == (
        call["in_phase"].applicant.email
    )


def test_cohort_message_english_readers_get_the_english_text(call):
    english = SubmittedApplicationFactory(
        cohort=call["cohort"], status=ApplicationStatus.WAITLISTED, applicant=UserFactory(preferred_language="en")
    )

    message, _sent = _send(call, subject_en="An important date", body_en="Please confirm by Friday.")

    english_row = OutboundEmail.objects.get(key=f"cohort-message:{message.pk}:{english.applicant_id}")
    thai_row = OutboundEmail.objects.get(
        key=f"cohort-message:{message.pk}:{call['by_status'][ApplicationStatus.WAITLISTED].applicant_id}"
    )
    assert (english_row.subject, "Please confirm by Friday." in english_row.body_text) == ("An important date", True)
    assert (thai_row.subject, BODY in thai_row.body_text) == (SUBJECT, True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_cohort_message_double_click_at_the_same_instant_sends_once(call):
    for _ in range(4):
        SubmittedApplicationFactory(cohort=call["cohort"], status=ApplicationStatus.WAITLISTED)
    token = uuid.uuid4()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def click():
        try:
            barrier.wait(timeout=10)
            results.append(_send(call, token=token)[1])
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(results) == [False, True]
    message = CohortMessage.objects.get()
    assert message.recipients == 5
    assert OutboundEmail.objects.filter(key__startswith="cohort-message:").count() == 5


# --- pages ------------------------------------------------------------------------------------------

EXPECTED = {
    "anonymous": 302,
    "unrelated": 404,
    "applicant": 404,
    "reviewer": 404,
    "staff_other_program": 404,
    "program_staff": 200,
    "superuser": 200,
}


def _user(call, who):
    if who == "anonymous":
        return None
    if who == "unrelated":
        return UserFactory()
    if who == "applicant":
        return call["by_status"][ApplicationStatus.WAITLISTED].applicant
    if who == "reviewer":
        reviewer = UserFactory()
        ReviewAssignmentFactory(application=call["by_status"][ApplicationStatus.SUBMITTED], reviewer=reviewer)
        return reviewer
    if who == "staff_other_program":
        return call["other_staff"]
    if who == "program_staff":
        return call["staff"]
    return SuperuserFactory()


def _as(client, call, who):
    user = _user(call, who)
    if user is not None:
        client.force_login(user)
    return client


def _form(call, action, token, **extra):
    return {
        "group": MessageGroup.WAITLISTED,
        "subject": SUBJECT,
        "body": BODY,
        "token": str(token),
        "action": action,
        **extra,
    }


@pytest.mark.parametrize(("who", "expected"), EXPECTED.items())
def test_cohort_message_page_permission_matrix(client, call, who, expected):
    client = _as(client, call, who)

    response = client.get(reverse("cohorts:cohort_message", kwargs={"pk": call["cohort"].pk}))

    assert response.status_code == expected
    if expected == 200:
        assert 'name="token"' in response.content.decode()


@pytest.mark.parametrize(("who", "expected"), EXPECTED.items())
def test_cohort_message_send_permission_matrix_sends_nothing_for_others(client, call, who, expected):
    client = _as(client, call, who)

    response = client.post(
        reverse("cohorts:cohort_message", kwargs={"pk": call["cohort"].pk}), _form(call, "send", uuid.uuid4())
    )

    sent = OutboundEmail.objects.filter(key__startswith="cohort-message:").count()
    if expected == 200:
        assert response.status_code == 302
        assert sent == 1
    else:
        assert response.status_code == expected
        assert sent == 0
        assert "คน waitlisted" not in response.content.decode()


@pytest.mark.parametrize(("who", "expected"), EXPECTED.items())
def test_cohort_messages_list_permission_matrix(client, call, who, expected):
    _send(call)
    client = _as(client, call, who)

    response = client.get(reverse("cohorts:cohort_messages", kwargs={"pk": call["cohort"].pk}))

    assert response.status_code == expected
    assert (SUBJECT in response.content.decode()) == (expected == 200)


def test_cohort_message_preview_shows_the_count_and_one_real_recipient(client, call):
    SubmittedApplicationFactory(cohort=call["cohort"], status=ApplicationStatus.WAITLISTED)
    client.force_login(call["staff"])

    response = client.post(
        reverse("cohorts:cohort_message", kwargs={"pk": call["cohort"].pk}), _form(call, "preview", uuid.uuid4())
    )

    assert response.status_code == 200
    assert response.context["count"] == 2
    assert response.context["preview"]["application"] == call["by_status"][ApplicationStatus.WAITLISTED]
    assert "คน waitlisted" in response.context["preview"]["rendered"].body_text
    assert response.context["form"]["expected_count"].value() == "2"
    assert 'data-testid="send-button"' in response.content.decode()
    assert not OutboundEmail.objects.filter(key__startswith="cohort-message:").exists()


def test_cohort_message_resubmitted_form_sends_nothing_twice(client, call):
    client.force_login(call["staff"])
    url = reverse("cohorts:cohort_message", kwargs={"pk": call["cohort"].pk})
    data = _form(call, "send", uuid.uuid4(), expected_count="1")

    first = client.post(url, data)
    second = client.post(url, data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert CohortMessage.objects.count() == 1
    assert OutboundEmail.objects.filter(key__startswith="cohort-message:").count() == 1


def test_cohort_message_bad_input_shows_errors_and_sends_nothing(client, call):
    client.force_login(call["staff"])

    response = client.post(
        reverse("cohorts:cohort_message", kwargs={"pk": call["cohort"].pk}),
        _form(call, "send", uuid.uuid4(), subject="", group=MessageGroup.PHASE),
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"subject", "phase"}
    assert CohortMessage.objects.count() == 0


def test_cohort_message_stale_count_is_refused_with_a_message(client, call):
    client.force_login(call["staff"])

    response = client.post(
        reverse("cohorts:cohort_message", kwargs={"pk": call["cohort"].pk}),
        _form(call, "send", uuid.uuid4(), expected_count="5"),
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert CohortMessage.objects.count() == 0


@pytest.mark.parametrize("rows", [1, 6])
def test_cohort_messages_list_query_count_is_flat(client, django_assert_num_queries, call, rows):
    for _ in range(rows):
        _send(call, group=MessageGroup.PHASE, phase=call["phase"])
    client.force_login(call["staff"])

    with django_assert_num_queries(5):
        response = client.get(reverse("cohorts:cohort_messages", kwargs={"pk": call["cohort"].pk}))

    assert len(response.context["sent"]) == rows


def test_program_staff_see_and_only_they_see_the_messages_emails_in_the_outbox_admin(client, call):
    _send(call)
    waitlisted = call["by_status"][ApplicationStatus.WAITLISTED].applicant.email
    outbox = reverse("admin:incubator_outboundemail_changelist")

    client.force_login(call["staff"])
    ours = client.get(outbox).content.decode()
    client.force_login(call["other_staff"])
    theirs = client.get(outbox).content.decode()

    assert waitlisted in ours
    assert waitlisted not in theirs


def test_cohort_message_preview_is_kept_in_the_access_log(client, call):
    from incubator.models import AccessLogEntry

    client.force_login(call["staff"])
    client.post(
        reverse("cohorts:cohort_message", kwargs={"pk": call["cohort"].pk}), _form(call, "preview", uuid.uuid4())
    )

    assert AccessLogEntry.objects.filter(user=call["staff"], detail="message preview").count() == 1


def test_group_messages_are_announcements_and_their_whole_text_goes_on_line(call):
    from incubator.channels import kind_for
    from incubator.enums import MessageKind
    from incubator.line import line_text

    message, _sent = _send(call)
    row = OutboundEmail.objects.get(key__startswith=f"cohort-message:{message.pk}:")

    assert kind_for(row.template) == MessageKind.ANNOUNCEMENT
    assert BODY in line_text(row)
