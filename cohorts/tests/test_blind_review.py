"""Blind review: a reviewer of a blind phase sees no identifying value of an application on any
page, header, file name, flash message or email; staff lift the blind after scoring.

The leak test plants a distinctive sentinel in every identifying value and walks every URL a
reviewer reaches; then it lifts the blind and finds the name, so that it can fail.
"""

from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from cohorts.enums import QuestionKind, ReviewState
from cohorts.models import Answer, Application, Phase
from cohorts.selectors.blind import (
    answer_blind_download_name,
    application_label,
    application_labels_for_reviewer,
    application_pseudonym,
    review_label,
)
from cohorts.selectors.reviews import reviews_for_reviewer
from cohorts.services.blind import phase_blind_lift
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import (
    CohortFactory,
    CriterionFactory,
    OrganisationFactory,
    PhaseFactory,
    ProgramFactory,
    QuestionFactory,
    ReviewAssignmentFactory,
    SubmittedApplicationFactory,
)
from incubator.enums import AccessAction
from incubator.models import AccessLogEntry, OutboundEmail
from incubator.tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

# One distinctive value per identifying field; none may reach a blind reviewer.
SENTINELS = {
    "full_name": "Zanzibarnamesentinel Qwertyson",
    "email": "zz-email-sentinel@leak.example",
    "phone": "089-SENTINEL-PHONE",
    "organisation_name": "Sentinelorg Foundationzz",
    "website": "https://sentinel-website.example/",
    "contact_name": "Sentinelcontact Personzz",
    "contact_email": "sentinel-contact@leak.example",
    "contact_phone": "02-SENTINEL-CPHONE",
    "team_name": "Sentinelteam Rockerszz",
    "employer": "Sentinelemployer Corpzz",
    "identifying_answer": "Sentinelidentanswer Villagezz",
    "file_name": "sentinelfilename-cv.pdf",
    "hidden_file_name": "sentinelhiddenfile.pdf",
    "identifying_file_name": "sentinelidentfile.pdf",
}
# What the reviewer is there to read: shown blind or not.
CONTENT = "แผนขยายเครือข่ายป่าชายเลนอันดามัน"


def _file_answer(application, question, original: str, content: bytes) -> Answer:
    answer = Answer(application=application, question=question, value=original)
    answer.file.save("upload.pdf", ContentFile(content), save=True)
    return answer


@pytest.fixture
def blind_world():
    program = ProgramFactory()
    cohort = CohortFactory(program=program)
    phase = PhaseFactory(cohort=cohort, order=1, is_blind=True)
    criteria = [
        CriterionFactory(cohort=cohort, phase=phase, order=1, name="ความชัดเจนของปัญหา", weight=Decimal("2")),
        CriterionFactory(cohort=cohort, phase=phase, order=2, name="ศักยภาพทีม"),
    ]
    applicant = UserFactory(full_name=SENTINELS["full_name"], email=SENTINELS["email"], phone=SENTINELS["phone"])
    organisation = OrganisationFactory(
        name=SENTINELS["organisation_name"],
        website=SENTINELS["website"],
        contact_name=SENTINELS["contact_name"],
        contact_email=SENTINELS["contact_email"],
        contact_phone=SENTINELS["contact_phone"],
        description="องค์กรชุมชนชายฝั่ง",
    )
    application = SubmittedApplicationFactory(
        cohort=cohort,
        applicant=applicant,
        organisation=organisation,
        phase=phase,
        team_name=SENTINELS["team_name"],
        employer=SENTINELS["employer"],
        job_title="ผู้จัดการโครงการ",
        motivation=CONTENT,
    )
    identifying = QuestionFactory(cohort=cohort, order=1, text="หมู่บ้านของท่าน", identifying=True)
    plain = QuestionFactory(cohort=cohort, order=2, text="ปัญหาที่อยากแก้")
    file_question = QuestionFactory(cohort=cohort, order=3, text="แผนงาน", kind=QuestionKind.FILE)
    hidden_question = QuestionFactory(
        cohort=cohort, order=4, text="จดหมายรับรอง", kind=QuestionKind.FILE, hidden_from_blind=True
    )
    identifying_file_question = QuestionFactory(
        cohort=cohort, order=5, text="ประวัติย่อ", kind=QuestionKind.FILE, identifying=True
    )
    Answer.objects.create(application=application, question=identifying, value=SENTINELS["identifying_answer"])
    Answer.objects.create(application=application, question=plain, value="น้ำท่วมซ้ำซาก")
    file_answer = _file_answer(application, file_question, SENTINELS["file_name"], b"%PDF-1.4 plan")
    hidden_answer = _file_answer(application, hidden_question, SENTINELS["hidden_file_name"], b"%PDF-1.4 letter")
    identifying_file = _file_answer(
        application, identifying_file_question, SENTINELS["identifying_file_name"], b"%PDF-1.4 cv"
    )
    reviewer = UserFactory(full_name="ผู้ทบทวน ตาบอด")
    review = ReviewAssignmentFactory(application=application, reviewer=reviewer, phase=phase)
    # A second assigned application, to declare a conflict on.
    other = SubmittedApplicationFactory(
        cohort=cohort, phase=phase, applicant=UserFactory(full_name="Sentinelsecond Applicantzz")
    )
    other_review = ReviewAssignmentFactory(application=other, reviewer=reviewer, phase=phase)
    staff = UserFactory()
    staff_grant_program_role(user=staff, program=program)
    return {
        "program": program,
        "cohort": cohort,
        "phase": phase,
        "criteria": criteria,
        "application": application,
        "reviewer": reviewer,
        "review": review,
        "other_review": other_review,
        "staff": staff,
        "questions": {
            "file": file_question,
            "hidden": hidden_question,
            "identifying_file": identifying_file_question,
        },
        "answers": {"file": file_answer, "hidden": hidden_answer, "identifying_file": identifying_file},
    }


def _scores(world, value=4) -> dict:
    return {f"score_{criterion.pk}": value for criterion in world["criteria"]}


def _leaks(text: str) -> list[str]:
    text = unquote(text).lower()
    return [key for key, sentinel in SENTINELS.items() if sentinel.lower() in text]


def _response_text(response) -> str:
    """Body (streamed files too) and every header of a response."""
    streamed = b"".join(response.streaming_content) if response.streaming else None
    body = streamed.decode("latin-1") if streamed is not None else response.content.decode()
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    return body + "\n" + headers


def _emails_to(user) -> str:
    outbox_rows = OutboundEmail.objects.filter(to=user.email)
    texts = [f"{row.subject}\n{row.body_text}\n{row.body_html}" for row in outbox_rows]
    texts += [f"{m.subject}\n{m.body}" for m in mail.outbox if user.email in m.to]
    return "\n".join(texts)


def _walk_reviewer_urls(client, world) -> list[tuple[str, object]]:
    """Every URL a reviewer reaches for these applications, with what it answered."""
    review, other_review = world["review"], world["other_review"]
    questions = world["questions"]
    detail = reverse("cohorts:review_detail", kwargs={"pk": review.pk})
    seen = [
        ("home", client.get("/")),
        ("list", client.get(reverse("cohorts:review_list"))),
        ("detail", client.get(detail)),
        ("detail-invalid-post", client.post(detail, {"comment": "x"})),
        ("conflict-invalid-post", client.post(reverse("cohorts:review_conflict", kwargs={"pk": review.pk}), {})),
    ]
    for name, question in questions.items():
        url = reverse("cohorts:review_file", kwargs={"pk": review.pk, "question_id": question.pk})
        seen.append((f"file-{name}", client.get(url)))
    for name, answer in world["answers"].items():
        seen.append((f"private-file-{name}", client.get(answer.file.url)))
    # The applicant's own pages answer 404 to a reviewer, and say nothing.
    application = world["application"]
    seen.append(("application", client.get(reverse("cohorts:application_detail", kwargs={"pk": application.pk}))))
    seen.append(
        (
            "application-file",
            client.get(
                reverse(
                    "cohorts:application_file",
                    kwargs={"pk": application.pk, "question_id": questions["file"].pk},
                )
            ),
        )
    )
    seen.append(("calls", client.get(reverse("cohorts:call_list"))))
    seen.append(("detail-post", client.post(detail, {**_scores(world), "comment": "ดีมาก"}, follow=True)))
    seen.append(("detail-after-scoring", client.get(detail)))
    seen.append(
        (
            "conflict-post",
            client.post(
                reverse("cohorts:review_conflict", kwargs={"pk": other_review.pk}),
                {"conflict_reason": "รู้จักกัน"},
                follow=True,
            ),
        )
    )
    seen.append(("conflicted-detail", client.get(reverse("cohorts:review_detail", kwargs={"pk": other_review.pk}))))
    return seen


def test_blind_reviewer_sees_no_identifying_value_anywhere(client, blind_world):
    world = blind_world
    client.force_login(world["reviewer"])

    seen = _walk_reviewer_urls(client, world)

    leaks = {name: _leaks(_response_text(response)) for name, response in seen}
    assert {name: found for name, found in leaks.items() if found} == {}
    assert _leaks(_emails_to(world["reviewer"])) == []
    statuses = {name: response.status_code for name, response in seen}
    assert statuses == {
        "home": 200,
        "list": 200,
        "detail": 200,
        "detail-invalid-post": 400,
        "conflict-invalid-post": 400,
        "file-file": 200,
        "file-hidden": 404,
        "file-identifying_file": 404,
        "private-file-file": 200,
        "private-file-hidden": 404,
        "private-file-identifying_file": 404,
        "application": 404,
        "application-file": 404,
        "calls": 200,
        "detail-post": 200,
        "detail-after-scoring": 200,
        "conflict-post": 200,
        "conflicted-detail": 200,
    }
    code = application_pseudonym(world["application"])
    responses = dict(seen)
    # The application is named by its pseudonym: list, page, title, flash message, download.
    assert code in responses["list"].content.decode()
    detail = responses["detail"].content.decode()
    assert code in detail.split("<title>")[1].split("</title>")[0]
    assert detail.count(code) >= 3  # title, breadcrumb, heading
    assert CONTENT in detail
    assert f"{code}-3.pdf" in detail  # the file's link text is neutral
    assert code in responses["detail-post"].content.decode()  # "Thank you. Your review of ... is saved."
    other_code = application_pseudonym(world["other_review"].application)
    assert other_code in responses["conflict-post"].content.decode()
    assert "Sentinelsecond" not in responses["conflict-post"].content.decode()
    assert f"{code}-3.pdf" in responses["file-file"]["Content-Disposition"]
    assert f"{code}-3.pdf" in responses["private-file-file"]["Content-Disposition"]


def test_lifting_the_blind_shows_the_name_to_the_reviewer(client, blind_world):
    world = blind_world
    phase_blind_lift(phase=world["phase"], by=world["staff"])
    client.force_login(world["reviewer"])

    seen = dict(_walk_reviewer_urls(client, world))

    detail = seen["detail"].content.decode()
    assert SENTINELS["full_name"] in detail
    assert SENTINELS["organisation_name"] in detail
    assert SENTINELS["identifying_answer"] in detail
    assert SENTINELS["full_name"] in seen["list"].content.decode()
    assert SENTINELS["full_name"] in seen["detail-post"].content.decode()
    assert seen["file-hidden"].status_code == 200
    assert SENTINELS["file_name"] in unquote(seen["file-file"]["Content-Disposition"])
    assert SENTINELS["file_name"] in unquote(seen["private-file-file"]["Content-Disposition"])


def test_staff_see_identities_while_the_phase_is_blind(client, blind_world):
    world = blind_world
    client.force_login(world["staff"])

    ranking = client.get(reverse("cohorts:cohort_ranking", kwargs={"pk": world["cohort"].pk}))
    hidden = client.get(world["answers"]["hidden"].file.url)

    assert SENTINELS["full_name"] in ranking.content.decode()
    assert f'data-testid="lift-blind-link-{world["phase"].pk}"' in ranking.content.decode()
    assert hidden.status_code == 200
    assert SENTINELS["hidden_file_name"] in unquote(hidden["Content-Disposition"])


def test_applicant_downloads_own_file_under_its_name_while_blind(client, blind_world):
    client.force_login(blind_world["application"].applicant)

    response = client.get(blind_world["answers"]["hidden"].file.url)

    assert response.status_code == 200
    assert SENTINELS["hidden_file_name"] in unquote(response["Content-Disposition"])


def test_non_blind_phase_is_unchanged(client, blind_world):
    world = blind_world
    Phase.objects.filter(pk=world["phase"].pk).update(is_blind=False)
    client.force_login(world["reviewer"])

    listing = client.get(reverse("cohorts:review_list")).content.decode()
    detail = client.get(reverse("cohorts:review_detail", kwargs={"pk": world["review"].pk})).content.decode()
    hidden = client.get(
        reverse(
            "cohorts:review_file", kwargs={"pk": world["review"].pk, "question_id": world["questions"]["hidden"].pk}
        )
    )

    assert SENTINELS["full_name"] in listing
    assert application_pseudonym(world["application"]) not in listing
    for key in ("full_name", "organisation_name", "website", "team_name", "employer", "identifying_answer"):
        assert SENTINELS[key] in detail, key
    assert SENTINELS["file_name"] in detail
    assert hidden.status_code == 200
    assert SENTINELS["hidden_file_name"] in unquote(hidden["Content-Disposition"])


def test_reviewer_of_an_open_round_and_a_blind_round_sees_the_pseudonym_on_both(blind_world):
    world = blind_world
    open_round = PhaseFactory(cohort=world["cohort"], order=0, is_blind=False)
    earlier = ReviewAssignmentFactory(application=world["application"], reviewer=world["reviewer"], phase=open_round)

    reviews = {review.pk: review for review in reviews_for_reviewer(reviewer=world["reviewer"])}

    assert reviews[earlier.pk].blind is True
    assert review_label(reviews[earlier.pk]) == review_label(reviews[world["review"].pk])
    assert SENTINELS["full_name"] not in review_label(reviews[earlier.pk])


def test_application_label_is_the_pseudonym_only_when_blind(blind_world):
    application = blind_world["application"]
    phase = blind_world["phase"]

    blind = application_label(application=application, phase=phase)
    phase.blind_lifted_at = timezone.now()
    lifted = application_label(application=application, phase=phase)

    assert application_pseudonym(application) in blind
    assert SENTINELS["full_name"] not in blind
    assert SENTINELS["full_name"] in lifted


def test_application_labels_for_reviewer_in_one_query(blind_world, django_assert_num_queries):
    world = blind_world
    open_cohort = CohortFactory()
    open_phase = PhaseFactory(cohort=open_cohort, is_blind=False)
    open_application = SubmittedApplicationFactory(
        cohort=open_cohort, phase=open_phase, applicant=UserFactory(full_name="เปิดเผย ชื่อจริง")
    )
    ReviewAssignmentFactory(application=open_application, reviewer=world["reviewer"], phase=open_phase)
    applications = [
        Application.objects.select_related("applicant", "cohort").get(pk=pk)
        for pk in (world["application"].pk, open_application.pk)
    ]

    with django_assert_num_queries(1):
        labels = application_labels_for_reviewer(reviewer=world["reviewer"], applications=applications)

    assert application_pseudonym(world["application"]) in labels[world["application"].pk]
    assert _leaks(labels[world["application"].pk]) == []
    assert "เปิดเผย ชื่อจริง" in labels[open_application.pk]


def test_blind_download_name_keeps_only_the_type(blind_world):
    answer = blind_world["answers"]["file"]
    answer.value = "ชื่อจริง ของผู้สมัคร.PDF"

    name = answer_blind_download_name(answer)

    assert name == f"{application_pseudonym(answer.application_id)}-3.pdf"


# Lifting: the service ------------------------------------------------------------------------


def test_phase_blind_lift_records_who_and_when(blind_world):
    phase = blind_world["phase"]

    lifted = phase_blind_lift(phase=phase, by=blind_world["staff"])

    phase.refresh_from_db()
    assert phase.blind_lifted_at is not None
    assert phase.blind_lifted_by == blind_world["staff"]
    assert lifted.is_blind_now is False
    entries = list(AccessLogEntry.objects.filter(target="cohorts.phase", target_id=str(phase.pk)))
    assert [(e.action, e.user_id, e.user_email) for e in entries] == [
        (AccessAction.DISCLOSE, blind_world["staff"].pk, blind_world["staff"].email)
    ]
    assert entries[0].detail == "blind lifted; 2 reviews in the phase"


def test_phase_blind_lift_twice_is_refused_and_keeps_the_first(blind_world):
    phase = blind_world["phase"]
    phase_blind_lift(phase=phase, by=blind_world["staff"])
    first = Phase.objects.get(pk=phase.pk).blind_lifted_at

    with pytest.raises(ValidationError) as error:
        phase_blind_lift(phase=phase, by=SuperuserFactory())

    assert error.value.code == "already_lifted"
    phase.refresh_from_db()
    assert (phase.blind_lifted_at, phase.blind_lifted_by) == (first, blind_world["staff"])
    assert AccessLogEntry.objects.filter(action=AccessAction.DISCLOSE).count() == 1


def test_phase_blind_lift_of_an_open_phase_is_refused():
    phase = PhaseFactory(is_blind=False)

    with pytest.raises(ValidationError) as error:
        phase_blind_lift(phase=phase, by=SuperuserFactory())

    assert error.value.code == "not_blind"
    phase.refresh_from_db()
    assert phase.blind_lifted_at is None


def test_phase_blind_lift_by_staff_of_another_program_is_refused(blind_world):
    outsider = UserFactory()
    staff_grant_program_role(user=outsider, program=ProgramFactory())

    with pytest.raises(ValidationError) as error:
        phase_blind_lift(phase=blind_world["phase"], by=outsider)

    assert error.value.code == "not_staff"
    assert Phase.objects.get(pk=blind_world["phase"].pk).blind_lifted_at is None


# Lifting: the page ---------------------------------------------------------------------------


def _lift_users(world) -> dict:
    other_staff = UserFactory()
    staff_grant_program_role(user=other_staff, program=ProgramFactory())
    return {
        "anonymous": None,
        "applicant": world["application"].applicant,
        "reviewer": world["reviewer"],
        "staff_other_program": other_staff,
        "program_staff": world["staff"],
        "superuser": SuperuserFactory(),
    }


LIFT_GET_EXPECTED = {
    "anonymous": 302,
    "applicant": 404,
    "reviewer": 404,
    "staff_other_program": 404,
    "program_staff": 200,
    "superuser": 200,
}


@pytest.mark.parametrize(("who", "expected"), LIFT_GET_EXPECTED.items())
def test_phase_blind_lift_page_permission_matrix(client, blind_world, who, expected):
    user = _lift_users(blind_world)[who]
    if user is not None:
        client.force_login(user)

    response = client.get(reverse("cohorts:phase_blind_lift", kwargs={"pk": blind_world["phase"].pk}))

    assert response.status_code == expected
    if expected == 302:
        assert reverse("account_login") in response["Location"]
    body = response.content.decode()
    assert (blind_world["phase"].name in body) is (expected == 200)
    assert SENTINELS["full_name"] not in body


LIFT_POST_EXPECTED = {
    "anonymous": (302, False),
    "applicant": (404, False),
    "reviewer": (404, False),
    "staff_other_program": (404, False),
    "program_staff": (302, True),
    "superuser": (302, True),
}


@pytest.mark.parametrize(("who", "expected"), LIFT_POST_EXPECTED.items())
def test_phase_blind_lift_post_permission_matrix(client, blind_world, who, expected):
    status, lifts = expected
    user = _lift_users(blind_world)[who]
    if user is not None:
        client.force_login(user)

    response = client.post(reverse("cohorts:phase_blind_lift", kwargs={"pk": blind_world["phase"].pk}))

    assert response.status_code == status
    phase = Phase.objects.get(pk=blind_world["phase"].pk)
    assert (phase.blind_lifted_at is not None) is lifts
    assert phase.blind_lifted_by == (user if lifts else None)
    logged = AccessLogEntry.objects.filter(action=AccessAction.DISCLOSE, target_id=str(phase.pk))
    assert list(logged.values_list("user_id", flat=True)) == ([user.pk] if lifts else [])


def test_phase_blind_lift_page_counts_pending_reviews(client, english, blind_world):
    world = blind_world
    ReviewAssignmentFactory(
        application=world["application"], reviewer=UserFactory(), phase=world["phase"], state=ReviewState.COMPLETED
    )
    english.force_login(world["staff"])

    response = english.get(reverse("cohorts:phase_blind_lift", kwargs={"pk": world["phase"].pk}))

    assert response.status_code == 200
    assert response.context["pending"] == 2
    assert "2 reviews of this phase are still waiting for scores." in response.content.decode()


def test_phase_blind_lift_post_twice_says_so_and_changes_nothing(client, english, blind_world):
    english.force_login(blind_world["staff"])
    url = reverse("cohorts:phase_blind_lift", kwargs={"pk": blind_world["phase"].pk})
    english.post(url)
    first = Phase.objects.get(pk=blind_world["phase"].pk).blind_lifted_at

    response = english.post(url, follow=True)

    assert "The blind of this phase has already been lifted." in response.content.decode()
    assert Phase.objects.get(pk=blind_world["phase"].pk).blind_lifted_at == first


def test_phase_blind_lift_page_answers_404_for_a_malformed_or_unknown_id(client, blind_world):
    client.force_login(SuperuserFactory())

    response = client.get(reverse("cohorts:phase_blind_lift", kwargs={"pk": blind_world["phase"].pk + 1000}))

    assert response.status_code == 404


# Query counts --------------------------------------------------------------------------------


def _blind_reviews(reviewer, rows: int, *, blind: bool = True) -> list:
    cohort = CohortFactory()
    phase = PhaseFactory(cohort=cohort, is_blind=blind)
    CriterionFactory(cohort=cohort, phase=phase)
    reviews = []
    for _ in range(rows):
        application = SubmittedApplicationFactory(
            cohort=cohort, phase=phase, organisation=OrganisationFactory(), team_name="ทีม"
        )
        reviews.append(ReviewAssignmentFactory(application=application, reviewer=reviewer, phase=phase))
    return reviews


@pytest.mark.parametrize("blind", [True, False])
@pytest.mark.parametrize("rows", [1, 8])
def test_blind_review_list_query_count_is_flat(client, django_assert_num_queries, rows, blind):
    reviewer = UserFactory()
    _blind_reviews(reviewer, rows, blind=blind)
    client.force_login(reviewer)

    with django_assert_num_queries(3):  # blind or not, one row or eight
        response = client.get(reverse("cohorts:review_list"))

    assert response.status_code == 200
    assert [review.blind for review in response.context["reviews"]] == [blind] * rows


@pytest.mark.parametrize("blind", [True, False])
@pytest.mark.parametrize("rows", [1, 8])
def test_blind_review_detail_query_count_is_flat(client, django_assert_num_queries, rows, blind):
    reviewer = UserFactory()
    review = _blind_reviews(reviewer, 1, blind=blind)[0]
    cohort = review.application.cohort
    for order in range(rows):
        question = QuestionFactory(cohort=cohort, order=order, identifying=order % 2 == 0)
        Answer.objects.create(application=review.application, question=question, value=f"คำตอบ {order}")
        CriterionFactory(cohort=cohort, phase=review.phase)
    client.force_login(reviewer)

    with django_assert_num_queries(7):  # blind or not, one answer and criterion or eight
        response = client.get(reverse("cohorts:review_detail", kwargs={"pk": review.pk}))

    assert response.status_code == 200
    assert response.context["blind"] is blind


# Admin: staff mark questions -------------------------------------------------------------------


def test_cohort_admin_question_inline_offers_the_blind_flags(client, blind_world):
    client.force_login(blind_world["staff"])

    response = client.get(reverse("admin:cohorts_cohort_change", args=[blind_world["cohort"].pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="questions-0-identifying"' in body
    assert 'name="questions-0-hidden_from_blind"' in body


def test_reviewer_who_is_not_staff_cannot_reach_the_admin(client, blind_world):
    client.force_login(blind_world["reviewer"])

    response = client.get(reverse("admin:cohorts_reviewassignment_changelist"))

    assert response.status_code == 302
    assert SENTINELS["full_name"] not in response.content.decode()
