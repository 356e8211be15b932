"""Program staff reword their applicants' emails: the program's text wins for that program
only, then the global text, then the file; a text the sandbox refuses (or that fails on a
real application) is refused and nothing is saved; the preview is rendered on one of the
program's own applications; every change is kept; the outbox's cache follows every save."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cohorts.enums import ApplicationStatus, CohortStatus
from cohorts.selectors.emails import (
    EDITABLE_EMAILS,
    editable_email_get,
    email_starting_text,
    program_mail_scope,
)
from cohorts.services.applications import application_submit
from cohorts.services.decisions import application_decide
from cohorts.services.emails import program_email_render, program_email_reset, program_email_save
from cohorts.services.reminders import reminders_plan
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import (
    ApplicationFactory,
    CohortFactory,
    OrganisationFactory,
    ProgramFactory,
    ReviewAssignmentFactory,
    SubmittedApplicationFactory,
)
from incubator.enums import EmailTextAction
from incubator.mail import email_template_overrides, render_email
from incubator.models import EmailTemplate, EmailTemplateChange, OutboundEmail
from incubator.services import email_template_save
from incubator.tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

ACCEPTED = editable_email_get("decision_accepted")
OUR_SUBJECT = "ยินดีด้วย {{ applicant.full_name }} สู่ {{ program.display_name }}"
OUR_BODY = "เรียน {{ applicant.full_name }}\n\nท่านได้รับคัดเลือกเข้าร่วม {{ cohort.name }} แล้ว"


@pytest.fixture
def two_programs():
    ours, theirs = ProgramFactory(name="โครงการของเรา"), ProgramFactory(name="โครงการของเขา")
    staff, other_staff = UserFactory(full_name="เจ้าหน้าที่ของเรา"), UserFactory()
    staff_grant_program_role(user=staff, program=ours)
    staff_grant_program_role(user=other_staff, program=theirs)
    our_application = SubmittedApplicationFactory(
        cohort=CohortFactory(program=ours), applicant=UserFactory(full_name="มาลี ใจดี")
    )
    their_application = SubmittedApplicationFactory(
        cohort=CohortFactory(program=theirs), applicant=UserFactory(full_name="สมศรี ลับเฉพาะ")
    )
    return {
        "ours": ours,
        "theirs": theirs,
        "staff": staff,
        "other_staff": other_staff,
        "our_application": our_application,
        "their_application": their_application,
    }


def _decision_email(application, status=ApplicationStatus.ACCEPTED) -> OutboundEmail:
    return OutboundEmail.objects.get(key=f"decision:{application.pk}:{status}")


# --- services -------------------------------------------------------------------------------------


def test_program_email_override_wins_for_that_program_only(two_programs):
    email_template_overrides()  # warm the process cache first, as in a running worker
    program_email_save(
        program=two_programs["ours"],
        email=ACCEPTED,
        language="th",
        subject=OUR_SUBJECT,
        body_text=OUR_BODY,
        by=two_programs["staff"],
    )

    for application in (two_programs["our_application"], two_programs["their_application"]):
        application_decide(application=application, status=ApplicationStatus.ACCEPTED, by=SuperuserFactory())

    ours = _decision_email(two_programs["our_application"])
    theirs = _decision_email(two_programs["their_application"])
    assert ours.subject == "ยินดีด้วย มาลี ใจดี สู่ โครงการของเรา"
    assert ours.body_text == f"เรียน มาลี ใจดี\n\nท่านได้รับคัดเลือกเข้าร่วม {two_programs['our_application'].cohort.name} แล้ว\n"
    assert "ยินดีด้วย" not in theirs.subject
    assert theirs.body_text.startswith("เรียน คุณสมศรี ลับเฉพาะ")


def test_program_email_override_only_in_its_language(two_programs):
    program_email_save(
        program=two_programs["ours"], email=ACCEPTED, language="th", subject=OUR_SUBJECT, body_text=OUR_BODY, by=None
    )
    applicant = two_programs["our_application"].applicant
    applicant.preferred_language = "en"
    applicant.save(update_fields=["preferred_language"])

    application_decide(application=two_programs["our_application"], status=ApplicationStatus.ACCEPTED, by=None)

    assert _decision_email(two_programs["our_application"]).subject.startswith("Welcome to")


def test_program_override_comes_before_the_global_one_and_the_global_one_before_the_file(two_programs):
    email_template_save(
        scope="", name=ACCEPTED.template, language="th", subject="ข้อความกลาง", body_text="ข้อความกลาง", by=None
    )
    program_email_save(
        program=two_programs["ours"],
        email=ACCEPTED,
        language="th",
        subject="ของโครงการ",
        body_text="ของโครงการ",
        by=None,
    )

    for application in (two_programs["our_application"], two_programs["their_application"]):
        application_decide(application=application, status=ApplicationStatus.ACCEPTED, by=None)

    assert _decision_email(two_programs["our_application"]).subject == "ของโครงการ"
    assert _decision_email(two_programs["their_application"]).subject == "ข้อความกลาง"


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("body_text", "{% load static %}{% static 'x' %}"),
        ("body_text", "{% include 'base.html' %}"),
        ("body_text", "{{ applicant.full_name|safe_join }}"),
        ("subject", "{% if %}"),
        ("body_text", "{% for x in 5 %}{{ x }}{% endfor %}"),  # compiles, fails on a real application
        ("body_text", "ติดต่อ {{ applicant.email }}"),  # an attribute emails may not show
        ("subject", "{{ reviewer.full_name }}"),  # a name this email does not have
    ],
)
def test_program_email_save_refuses_what_the_sandbox_refuses_and_saves_nothing(two_programs, field, text):
    kwargs = {"subject": "เรื่อง", "body_text": "ข้อความ", field: text}

    with pytest.raises(ValidationError) as error:
        program_email_save(program=two_programs["ours"], email=ACCEPTED, language="th", by=None, **kwargs)

    assert field in error.value.error_dict
    assert EmailTemplate.objects.count() == 0
    assert EmailTemplateChange.objects.count() == 0


def test_program_email_save_accepts_loops_and_with_over_known_variables(two_programs):
    body = (
        "{% with name=applicant.full_name %}{{ name }}{% endwith %}"
        "{% for x in cohort.name %}{{ forloop.counter }}{% endfor %}"
    )

    saved = program_email_save(
        program=two_programs["ours"],
        email=ACCEPTED,
        language="th",
        subject="{{ cohort.name }}",
        body_text=body,
        by=None,
    )

    assert saved.body_text == body


def test_program_email_save_refuses_a_language_not_offered(two_programs):
    with pytest.raises(ValidationError):
        program_email_save(
            program=two_programs["ours"], email=ACCEPTED, language="fr", subject="a", body_text="b", by=None
        )
    assert EmailTemplate.objects.count() == 0


def test_program_email_save_then_reset_clears_the_cache_each_time(two_programs):
    application = two_programs["our_application"]
    scope = program_mail_scope(two_programs["ours"].pk)
    context = ACCEPTED.context(application)

    def subject() -> str:
        return render_email(template=ACCEPTED.template, context=context, language="th", scope=scope).subject

    default = subject()  # cached from here on
    program_email_save(program=two_programs["ours"], email=ACCEPTED, language="th", subject="ก", body_text="ข", by=None)
    assert subject() == "ก"
    program_email_save(program=two_programs["ours"], email=ACCEPTED, language="th", subject="ค", body_text="ข", by=None)
    assert subject() == "ค"
    assert program_email_reset(program=two_programs["ours"], email=ACCEPTED, language="th", by=None) is True
    assert subject() == default


def test_program_email_history_keeps_who_and_when(two_programs):
    staff = two_programs["staff"]
    program = two_programs["ours"]
    program_email_save(program=program, email=ACCEPTED, language="th", subject="หนึ่ง", body_text="๑", by=staff)
    program_email_save(program=program, email=ACCEPTED, language="th", subject="สอง", body_text="๒", by=staff)
    program_email_reset(program=program, email=ACCEPTED, language="th", by=staff)
    program_email_reset(program=program, email=ACCEPTED, language="th", by=staff)  # nothing left: not recorded

    changes = list(EmailTemplateChange.objects.order_by("pk"))
    assert [(c.action, c.subject, c.changed_by) for c in changes] == [
        (EmailTextAction.SAVED, "หนึ่ง", staff),
        (EmailTextAction.SAVED, "สอง", staff),
        (EmailTextAction.RESET, "", staff),
    ]
    assert {c.scope for c in changes} == {program_mail_scope(program.pk)}
    assert all(c.changed_at <= timezone.now() for c in changes)
    assert EmailTemplate.objects.count() == 0


def test_submission_confirmation_uses_the_programs_text():
    program = ProgramFactory()
    program_email_save(
        program=program,
        email=editable_email_get("application_submitted"),
        language="th",
        subject="ได้รับแล้ว {{ cohort.name }}",
        body_text="ขอบคุณ {{ applicant.full_name }}",
        by=None,
    )
    cohort = CohortFactory(program=program)
    applicant = UserFactory(full_name="ชาตรี")
    application = ApplicationFactory(
        cohort=cohort,
        applicant=applicant,
        organisation=OrganisationFactory(created_by=applicant),
        consent_version=cohort.privacy_notice_version,
        consented_at=cohort.applications_open_at,
    )

    application_submit(application=application, by=applicant)

    email = OutboundEmail.objects.get(key=f"application-submitted:{application.pk}")
    assert (email.subject, email.body_text) == (f"ได้รับแล้ว {cohort.name}", "ขอบคุณ ชาตรี\n")


def test_deadline_reminder_uses_the_programs_text_and_others_keep_the_default():
    now = timezone.now()
    ours, theirs = ProgramFactory(), ProgramFactory()
    program_email_save(
        program=ours,
        email=editable_email_get("deadline_reminder"),
        language="th",
        subject="อีก {{ time_left }}",
        body_text="{{ recipient_name }} ส่งใบสมัครที่ {{ application_url }}",
        by=None,
    )
    drafts = [
        ApplicationFactory(
            cohort=CohortFactory(
                program=program,
                status=CohortStatus.OPEN,
                applications_open_at=now - timedelta(days=20),
                applications_close_at=now + timedelta(hours=20),
            ),
            applicant=UserFactory(full_name=name),
        )
        for program, name in ((ours, "อรุณ"), (theirs, "ราตรี"))
    ]

    with time_machine.travel(now, tick=False):
        reminders_plan()

    ours_email = OutboundEmail.objects.get(key__startswith=f"deadline-reminder:{drafts[0].pk}:")
    theirs_email = OutboundEmail.objects.get(key__startswith=f"deadline-reminder:{drafts[1].pk}:")
    assert ours_email.subject.startswith("อีก ")
    assert ours_email.body_text.startswith("อรุณ ส่งใบสมัครที่ http")
    assert ours_email.body_text.rstrip().endswith(f"/applications/{drafts[0].pk}/edit/")
    assert not theirs_email.subject.startswith("อีก ")


def test_phase_moved_email_uses_the_programs_text_and_others_keep_the_default():
    from cohorts.services.phases import applications_advance
    from cohorts.tests.factories import PhaseFactory

    ours, theirs = ProgramFactory(), ProgramFactory()
    program_email_save(
        program=ours,
        email=editable_email_get("phase_moved"),
        language="th",
        subject="ผ่านเข้าสู่ {{ phase.display_name }}",
        body_text="{{ applicant.full_name }} ผ่านเข้าสู่ {{ phase.display_name }} แล้ว",
        by=None,
    )
    moved = {}
    for program, name in ((ours, "สายฝน"), (theirs, "ทองคำ")):
        cohort = CohortFactory(program=program)
        first, second = PhaseFactory(cohort=cohort, order=1), PhaseFactory(cohort=cohort, order=2, name="รอบสัมภาษณ์")
        application = SubmittedApplicationFactory(cohort=cohort, phase=first, applicant=UserFactory(full_name=name))
        applications_advance(applications=[application], to_phase=second, by=UserFactory(is_staff=True), notify=True)
        moved[program.pk] = OutboundEmail.objects.get(key=f"phase-moved:{application.pk}:{second.pk}")

    assert (moved[ours.pk].subject, moved[ours.pk].body_text) == (
        "ผ่านเข้าสู่ รอบสัมภาษณ์",
        "สายฝน ผ่านเข้าสู่ รอบสัมภาษณ์ แล้ว\n",
    )
    assert "ผ่านเข้าสู่ รอบสัมภาษณ์ แล้ว" not in moved[theirs.pk].body_text
    assert "รอบสัมภาษณ์" in moved[theirs.pk].subject


@pytest.mark.parametrize("key", sorted(EDITABLE_EMAILS))
@pytest.mark.parametrize("language", ["th", "en"])
def test_starting_text_is_the_default_email_in_the_sandbox(key, language):
    """The text staff start from compiles in the sandbox and says what the file template says."""
    email = EDITABLE_EMAILS[key]
    cohort = CohortFactory(starts_on=date(2027, 6, 1))
    application = SubmittedApplicationFactory(cohort=cohort, applicant=UserFactory(full_name="กานดา"))
    if key == "phase_moved":  # an application standing in a phase with all it can say
        from cohorts.tests.factories import PhaseFactory

        application.phase = PhaseFactory(
            cohort=cohort, description="สัมภาษณ์ 30 นาที", ends_at=timezone.now() + timedelta(days=20)
        )
        application.save(update_fields=["phase"])
    subject, body = email_starting_text(email=email, language=language)

    with time_machine.travel(timezone.now(), tick=False):
        preview = program_email_render(
            email=email, application=application, language=language, subject=subject, body_text=body
        )
        from django.utils import translation

        with translation.override(language):
            context = email.context(application)
        default = render_email(template=email.template, context=context, language=language)

    assert preview.subject == default.subject
    assert " ".join(preview.body_text.split()) == " ".join(default.body_text.split())
    assert "{{" not in preview.body_text


# --- pages ------------------------------------------------------------------------------------------


def _client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _people(two_programs) -> dict:
    reviewer = UserFactory()
    ReviewAssignmentFactory(application=two_programs["our_application"], reviewer=reviewer)
    return {
        "anonymous": None,
        "unrelated": UserFactory(),
        "applicant": two_programs["our_application"].applicant,
        "reviewer": reviewer,
        "staff_other_program": two_programs["other_staff"],
        "program_staff": two_programs["staff"],
        "superuser": SuperuserFactory(),
    }


EXPECTED = {
    "anonymous": 302,
    "unrelated": 404,
    "applicant": 404,
    "reviewer": 404,
    "staff_other_program": 404,
    "program_staff": 200,
    "superuser": 200,
}


@pytest.mark.parametrize(("who", "expected"), EXPECTED.items())
def test_program_emails_permission_matrix(client, two_programs, who, expected):
    program_email_save(
        program=two_programs["ours"], email=ACCEPTED, language="th", subject="ลับ-หัวเรื่อง", body_text="x", by=None
    )
    client = _client_for(client, _people(two_programs)[who])

    response = client.get(reverse("cohorts:program_emails", kwargs={"pk": two_programs["ours"].pk}))

    assert response.status_code == expected
    body = response.content.decode()
    if expected == 200:
        assert 'data-testid="status-decision_accepted-th">' in body
        assert 'data-testid="edit-deadline_reminder-en"' in body
    else:
        assert "โครงการของเรา" not in body


@pytest.mark.parametrize(("who", "expected"), EXPECTED.items())
def test_program_email_edit_permission_matrix(client, two_programs, who, expected):
    program_email_save(
        program=two_programs["ours"], email=ACCEPTED, language="th", subject="ลับ-หัวเรื่อง", body_text="x", by=None
    )
    client = _client_for(client, _people(two_programs)[who])
    url = reverse(
        "cohorts:program_email_edit", kwargs={"pk": two_programs["ours"].pk, "key": ACCEPTED.key, "language": "th"}
    )

    response = client.get(url)

    assert response.status_code == expected
    body = response.content.decode()
    if expected == 200:
        assert "ลับ-หัวเรื่อง" in body
        assert "มาลี ใจดี" in body  # the preview, on the program's own application
        assert "สมศรี" not in body
    else:
        assert "ลับ-หัวเรื่อง" not in body
        assert "มาลี" not in body


@pytest.mark.parametrize(("who", "expected"), EXPECTED.items())
def test_program_email_save_permission_matrix_changes_nothing_for_others(client, two_programs, who, expected):
    client = _client_for(client, _people(two_programs)[who])
    url = reverse(
        "cohorts:program_email_edit", kwargs={"pk": two_programs["ours"].pk, "key": ACCEPTED.key, "language": "th"}
    )

    response = client.post(url, {"action": "save", "subject": "ใหม่", "body_text": "ใหม่"})

    saved = EmailTemplate.objects.filter(scope=program_mail_scope(two_programs["ours"].pk)).count()
    if expected == 200:
        assert response.status_code == 302
        assert saved == 1
    else:
        assert response.status_code == expected
        assert saved == 0


def test_another_programs_staff_cannot_reset_its_text(client, two_programs):
    program_email_save(program=two_programs["ours"], email=ACCEPTED, language="th", subject="a", body_text="b", by=None)
    client.force_login(two_programs["other_staff"])
    url = reverse(
        "cohorts:program_email_edit", kwargs={"pk": two_programs["ours"].pk, "key": ACCEPTED.key, "language": "th"}
    )

    response = client.post(url, {"action": "reset"})

    assert response.status_code == 404
    assert EmailTemplate.objects.count() == 1


@pytest.mark.parametrize(("key", "language"), [("nope", "th"), ("decision_accepted", "fr")])
def test_program_email_edit_unknown_email_or_language_is_404(client, two_programs, key, language):
    client.force_login(two_programs["staff"])
    url = reverse(
        "cohorts:program_email_edit", kwargs={"pk": two_programs["ours"].pk, "key": key, "language": language}
    )
    assert client.get(url).status_code == 404


def test_program_email_preview_renders_on_the_chosen_application_and_saves_nothing(client, two_programs):
    other = SubmittedApplicationFactory(
        cohort=two_programs["our_application"].cohort, applicant=UserFactory(full_name="ปรีชา เลือกแล้ว")
    )
    client.force_login(two_programs["staff"])
    url = reverse(
        "cohorts:program_email_edit", kwargs={"pk": two_programs["ours"].pk, "key": ACCEPTED.key, "language": "th"}
    )

    response = client.post(
        url, {"action": "preview", "subject": OUR_SUBJECT, "body_text": OUR_BODY, "application": other.pk}
    )

    assert response.status_code == 200
    assert response.context["preview"].subject == "ยินดีด้วย ปรีชา เลือกแล้ว สู่ โครงการของเรา"
    assert EmailTemplate.objects.count() == 0


def test_program_email_preview_never_renders_another_programs_application(client, two_programs):
    client.force_login(two_programs["staff"])
    url = reverse(
        "cohorts:program_email_edit", kwargs={"pk": two_programs["ours"].pk, "key": ACCEPTED.key, "language": "th"}
    )

    response = client.post(
        url,
        {
            "action": "preview",
            "subject": OUR_SUBJECT,
            "body_text": OUR_BODY,
            "application": two_programs["their_application"].pk,
        },
    )

    assert response.status_code == 400
    assert response.context["preview"] is None
    assert "application" in response.context["form"].errors
    assert "สมศรี" not in response.content.decode()


def test_program_email_choices_list_only_the_programs_applications(client, two_programs):
    client.force_login(two_programs["staff"])
    url = reverse(
        "cohorts:program_email_edit", kwargs={"pk": two_programs["ours"].pk, "key": ACCEPTED.key, "language": "th"}
    )

    response = client.get(url)

    choices = list(response.context["form"].fields["application"].queryset)
    assert choices == [two_programs["our_application"]]


def test_program_email_invalid_text_shows_the_error_and_saves_nothing(client, two_programs, english):
    client.force_login(two_programs["staff"])
    url = reverse(
        "cohorts:program_email_edit", kwargs={"pk": two_programs["ours"].pk, "key": ACCEPTED.key, "language": "th"}
    )

    response = english.post(url, {"action": "save", "subject": "เรื่อง", "body_text": "{% load static %}"})

    assert response.status_code == 400
    assert "This text cannot be used in an email" in response.content.decode()
    assert EmailTemplate.objects.count() == 0
    assert EmailTemplateChange.objects.count() == 0


def test_program_email_save_and_reset_through_the_page(client, two_programs):
    client.force_login(two_programs["staff"])
    url = reverse(
        "cohorts:program_email_edit", kwargs={"pk": two_programs["ours"].pk, "key": ACCEPTED.key, "language": "th"}
    )

    assert client.post(url, {"action": "save", "subject": OUR_SUBJECT, "body_text": OUR_BODY}).status_code == 302
    page = client.get(url)
    assert page.context["override"].subject == OUR_SUBJECT
    assert [change.action for change in page.context["history"]] == [EmailTextAction.SAVED]

    assert client.post(url, {"action": "reset"}).status_code == 302
    assert EmailTemplate.objects.count() == 0
    assert [change.action for change in client.get(url).context["history"]] == [
        EmailTextAction.RESET,
        EmailTextAction.SAVED,
    ]


@pytest.mark.parametrize("rows", [1, 6])
def test_program_emails_query_count_is_flat(client, django_assert_num_queries, two_programs, rows):
    program = two_programs["ours"]
    for key in sorted(EDITABLE_EMAILS)[:rows]:
        program_email_save(
            program=program,
            email=EDITABLE_EMAILS[key],
            language="th",
            subject="a",
            body_text="b",
            by=two_programs["staff"],
        )
    for number in range(rows):
        CohortFactory(program=program, number=90000 + number)
    client.force_login(two_programs["staff"])

    with django_assert_num_queries(5):
        response = client.get(reverse("cohorts:program_emails", kwargs={"pk": program.pk}))

    assert response.status_code == 200
    assert sum(1 for row in response.context["rows"] for lang in row["languages"] if lang["override"]) == rows
