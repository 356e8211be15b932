from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from cohorts.enums import ApplicationStatus, QuestionKind, ReviewState
from cohorts.models import Answer, Score
from cohorts.services.reviews import review_submit_scores
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import (
    CohortFactory,
    CriterionFactory,
    ProgramFactory,
    QuestionFactory,
    ReviewAssignmentFactory,
    SubmittedApplicationFactory,
)
from incubator.tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "แผนขยายเครือข่ายป่าชายเลนอันดามัน"


@pytest.fixture
def world():
    """A cohort with a rubric, one assigned review, and people in every role around it."""
    program = ProgramFactory()
    cohort = CohortFactory(program=program)
    criteria = [
        CriterionFactory(cohort=cohort, order=1, name="ความชัดเจนของปัญหา", weight=Decimal("2"), max_score=5),
        CriterionFactory(cohort=cohort, order=2, name="ศักยภาพทีม", weight=Decimal("1"), max_score=5),
    ]
    applicant = UserFactory(full_name="สมหญิง ผู้สมัครลับ")
    application = SubmittedApplicationFactory(cohort=cohort, applicant=applicant, motivation=SECRET)
    reviewer = UserFactory()
    review = ReviewAssignmentFactory(application=application, reviewer=reviewer)

    program_staff = UserFactory()
    staff_grant_program_role(user=program_staff, program=program)
    other_staff = UserFactory()
    staff_grant_program_role(user=other_staff, program=ProgramFactory())
    other_reviewer = UserFactory()
    ReviewAssignmentFactory(reviewer=other_reviewer)
    return {
        "cohort": cohort,
        "criteria": criteria,
        "application": application,
        "review": review,
        "users": {
            "anonymous": None,
            "applicant": applicant,
            "another_applicant": SubmittedApplicationFactory().applicant,
            "reviewer_not_assigned": other_reviewer,
            "reviewer_assigned": reviewer,
            "staff_other_program": other_staff,
            "program_staff": program_staff,
            "superuser": SuperuserFactory(),
        },
    }


def _client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


REVIEW_EXPECTED = {
    "anonymous": 302,
    "applicant": 404,
    "another_applicant": 404,
    "reviewer_not_assigned": 404,
    "reviewer_assigned": 200,
    "staff_other_program": 404,
    "program_staff": 404,  # staff read reviews in the admin; the scoring page is the reviewer's
    "superuser": 404,
}


@pytest.mark.parametrize(("who", "expected"), REVIEW_EXPECTED.items())
def test_review_detail_permission_matrix(client, world, who, expected):
    client = _client_for(client, world["users"][who])

    response = client.get(reverse("cohorts:review_detail", kwargs={"pk": world["review"].pk}))

    assert response.status_code == expected
    body = response.content.decode()
    if expected != 200:
        assert SECRET not in body
        assert "สมหญิง" not in body
    else:
        assert SECRET in body
        for criterion in world["criteria"]:
            assert f'data-testid="score-{criterion.pk}"' in body
        assert 'data-testid="submit-review"' in body
        assert 'data-testid="declare-conflict"' in body


@pytest.mark.parametrize(("who", "expected"), REVIEW_EXPECTED.items())
def test_review_conflict_permission_matrix(client, world, who, expected):
    client = _client_for(client, world["users"][who])

    response = client.post(
        reverse("cohorts:review_conflict", kwargs={"pk": world["review"].pk}), {"conflict_reason": "รู้จักกัน"}
    )

    world["review"].refresh_from_db()
    if expected == 200:
        assert response.status_code == 302
        assert world["review"].state == ReviewState.CONFLICT
    else:
        assert response.status_code == expected
        assert world["review"].state == ReviewState.PENDING
        assert SECRET not in response.content.decode()


@pytest.mark.parametrize(("who", "expected"), REVIEW_EXPECTED.items())
def test_review_detail_post_permission_matrix(client, world, who, expected):
    client = _client_for(client, world["users"][who])
    data = {f"score_{criterion.pk}": "4" for criterion in world["criteria"]}

    response = client.post(reverse("cohorts:review_detail", kwargs={"pk": world["review"].pk}), data)

    if expected == 200:
        assert response.status_code == 302
        assert Score.objects.filter(review=world["review"]).count() == 2
    else:
        assert response.status_code == expected
        assert Score.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "sees_it"),
    [
        ("applicant", False),
        ("another_applicant", False),
        ("reviewer_not_assigned", False),
        ("reviewer_assigned", True),
        ("staff_other_program", False),
        ("program_staff", False),
        ("superuser", False),
    ],
)
def test_review_list_shows_only_own_assignments(client, world, who, sees_it):
    client = _client_for(client, world["users"][who])

    response = client.get(reverse("cohorts:review_list"))

    assert response.status_code == 200
    body = response.content.decode()
    assert (f'data-testid="review-{world["review"].pk}"' in body) is sees_it
    if who != "applicant":  # whose own name is in the navigation bar
        assert ("สมหญิง" in body) is sees_it
    assert SECRET not in body


def test_review_list_anonymous_redirects_to_login(client):
    response = client.get(reverse("cohorts:review_list"))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


RANKING_EXPECTED = {
    "anonymous": 302,
    "applicant": 404,
    "another_applicant": 404,
    "reviewer_not_assigned": 404,
    "reviewer_assigned": 404,
    "staff_other_program": 404,
    "program_staff": 200,
    "superuser": 200,
}


@pytest.mark.parametrize(("who", "expected"), RANKING_EXPECTED.items())
def test_cohort_ranking_permission_matrix(client, world, who, expected):
    client = _client_for(client, world["users"][who])

    response = client.get(reverse("cohorts:cohort_ranking", kwargs={"pk": world["cohort"].pk}))

    assert response.status_code == expected
    body = response.content.decode()
    assert ("สมหญิง" in body) is (expected == 200)


def test_review_file_only_for_the_assigned_reviewer(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    question = QuestionFactory(cohort=world["cohort"], kind=QuestionKind.FILE)
    answer = Answer(application=world["application"], question=question, value="แผนงาน.pdf")
    answer.file.save("plan.pdf", ContentFile(b"%PDF-1.4 plan"), save=True)
    url = reverse("cohorts:review_file", kwargs={"pk": world["review"].pk, "question_id": question.pk})

    assert _client_for(client, world["users"]["reviewer_not_assigned"]).get(url).status_code == 404
    response = _client_for(client, world["users"]["reviewer_assigned"]).get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 plan"


def test_review_detail_submit_scores_completes_review(client, world):
    a, b = world["criteria"]
    client.force_login(world["users"]["reviewer_assigned"])

    response = client.post(
        reverse("cohorts:review_detail", kwargs={"pk": world["review"].pk}),
        {f"score_{a.pk}": "5", f"comment_{a.pk}": "ชัดเจนมาก", f"score_{b.pk}": "3", "comment": "แนะนำให้รับ"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("cohorts:review_list")
    review = world["review"]
    review.refresh_from_db()
    assert review.state == ReviewState.COMPLETED
    assert review.comment == "แนะนำให้รับ"
    assert dict(review.scores.values_list("criterion_id", "score")) == {a.pk: 5, b.pk: 3}
    assert review.scores.get(criterion=a).comment == "ชัดเจนมาก"


def test_review_detail_missing_score_shows_errors(client, world):
    a, _b = world["criteria"]
    client.force_login(world["users"]["reviewer_assigned"])

    response = client.post(reverse("cohorts:review_detail", kwargs={"pk": world["review"].pk}), {f"score_{a.pk}": "5"})

    assert response.status_code == 400
    assert Score.objects.count() == 0


def test_review_detail_out_of_range_score_is_refused(client, world):
    a, b = world["criteria"]
    client.force_login(world["users"]["reviewer_assigned"])

    response = client.post(
        reverse("cohorts:review_detail", kwargs={"pk": world["review"].pk}),
        {f"score_{a.pk}": "9", f"score_{b.pk}": "3"},
    )

    assert response.status_code == 400
    assert Score.objects.count() == 0


def test_review_detail_after_conflict_hides_content(client, world):
    client.force_login(world["users"]["reviewer_assigned"])
    client.post(reverse("cohorts:review_conflict", kwargs={"pk": world["review"].pk}), {"conflict_reason": "ญาติ"})

    response = client.get(reverse("cohorts:review_detail", kwargs={"pk": world["review"].pk}))

    body = response.content.decode()
    assert response.status_code == 200
    assert SECRET not in body
    assert 'data-testid="conflict-notice"' in body
    assert 'data-testid="submit-review"' not in body
    assert 'data-testid="declare-conflict"' not in body


def test_review_conflict_without_reason_is_refused(client, world):
    client.force_login(world["users"]["reviewer_assigned"])

    response = client.post(reverse("cohorts:review_conflict", kwargs={"pk": world["review"].pk}), {})

    assert response.status_code == 400
    world["review"].refresh_from_db()
    assert world["review"].state == ReviewState.PENDING


def test_review_detail_closed_after_decision(client, world):
    world["application"].__class__.objects.filter(pk=world["application"].pk).update(status=ApplicationStatus.ACCEPTED)
    client.force_login(world["users"]["reviewer_assigned"])
    a, b = world["criteria"]

    page = client.get(reverse("cohorts:review_detail", kwargs={"pk": world["review"].pk}))
    post = client.post(
        reverse("cohorts:review_detail", kwargs={"pk": world["review"].pk}),
        {f"score_{a.pk}": "5", f"score_{b.pk}": "3"},
    )

    assert 'data-testid="submit-review"' not in page.content.decode()
    assert post.status_code == 302
    assert Score.objects.count() == 0


def test_nav_shows_reviews_link_to_signed_in_users(client, world):
    assert 'data-testid="nav-reviews"' not in client.get(reverse("home")).content.decode()
    client.force_login(world["users"]["reviewer_assigned"])

    assert 'data-testid="nav-reviews"' in client.get(reverse("home")).content.decode()


# Query counts -------------------------------------------------------------------------------


def _assign_many(reviewer, count, cohort=None, criteria=()):
    cohort = cohort or CohortFactory()
    reviews = []
    for _ in range(count):
        review = ReviewAssignmentFactory(reviewer=reviewer, application=SubmittedApplicationFactory(cohort=cohort))
        reviews.append(review)
    return reviews


@pytest.mark.parametrize("rows", [1, 8])
def test_review_list_query_count_is_flat(client, django_assert_num_queries, rows):
    reviewer = UserFactory()
    _assign_many(reviewer, rows)
    client.force_login(reviewer)

    with django_assert_num_queries(3):
        response = client.get(reverse("cohorts:review_list"))

    assert response.status_code == 200
    assert len(response.context["reviews"]) == rows


def test_cohort_ranking_shows_a_hundred_ranks_a_page_ranked_over_the_whole_cohort(
    client, django_assert_num_queries, monkeypatch
):
    from cohorts.views import review as review_views

    monkeypatch.setattr(review_views, "RANKING_PER_PAGE", 3)  # the page size, small enough to build
    program = ProgramFactory()
    cohort = CohortFactory(program=program)
    criterion = CriterionFactory(cohort=cohort, min_score=1, max_score=5)
    reviewer = UserFactory()
    for score, review in zip((1, 5, 2, 4, 3), _assign_many(reviewer, 5, cohort=cohort), strict=True):
        review_submit_scores(review=review, by=reviewer, scores={criterion.pk: score})
    staff = UserFactory()
    staff_grant_program_role(user=staff, program=program)
    client.force_login(staff)
    url = reverse("cohorts:cohort_ranking", kwargs={"pk": cohort.pk})

    first = client.get(url)
    with django_assert_num_queries(9):  # the same reads as the first page
        second = client.get(url, {"page": 2, "rank": "normalised"})
    beyond = client.get(url, {"page": "x"})

    assert [row["rank"] for row in first.context["rows"]] == [1, 2, 3]
    assert [row["rank"] for row in second.context["rows"]] == [4, 5]
    assert [row["application"].pk for row in beyond.context["rows"]] == [
        row["application"].pk for row in first.context["rows"]
    ]
    assert 'data-testid="ranking-pages"' in first.content.decode()
    assert "rank=raw&amp;page=2" in first.content.decode()


@pytest.mark.parametrize("rows", [1, 8])
def test_cohort_ranking_query_count_is_flat(client, django_assert_num_queries, rows):
    program = ProgramFactory()
    cohort = CohortFactory(program=program)
    criteria = [CriterionFactory(cohort=cohort), CriterionFactory(cohort=cohort, weight=Decimal("3"))]
    for review in _assign_many(UserFactory(), rows, cohort=cohort):
        review_submit_scores(review=review, by=review.reviewer, scores={c.pk: 4 for c in criteria})
    staff = UserFactory()
    staff_grant_program_role(user=staff, program=program)
    client.force_login(staff)

    with django_assert_num_queries(9):  # the normalised scores and the phases: one query each, whatever the rows
        response = client.get(reverse("cohorts:cohort_ranking", kwargs={"pk": cohort.pk}))

    assert response.status_code == 200
    assert len(response.context["rows"]) == rows
