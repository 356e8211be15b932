"""Fair scores: each reviewer moved to the cohort's common scale beside the raw mean, staff
choose which ranks (cohorts.selectors.reviews.reviews_normalised and the ranking page)."""

import pytest
from django.urls import reverse

from cohorts.selectors.reviews import reviews_normalised
from cohorts.services.reviews import review_submit_scores
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import (
    CohortFactory,
    CriterionFactory,
    ProgramFactory,
    ReviewAssignmentFactory,
    SubmittedApplicationFactory,
)
from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _score(application, reviewer, criterion, value):
    review = ReviewAssignmentFactory(application=application, reviewer=reviewer)
    review_submit_scores(review=review, by=reviewer, scores={criterion.pk: value})
    return review


@pytest.fixture
def harsh_and_lenient():
    """Reviewer `harsh` scores apps 1, 2 with 2 and 1 (of 1..5); `lenient` scores 3, 4 with 5, 4.
    Raw order: 3, 4, 1, 2. On the common scale, 1 is as good as 3 and 2 as good as 4."""
    program = ProgramFactory()
    cohort = CohortFactory(program=program)
    criterion = CriterionFactory(cohort=cohort, min_score=1, max_score=5)
    harsh, lenient = UserFactory(), UserFactory()
    apps = [SubmittedApplicationFactory(cohort=cohort) for _ in range(4)]
    _score(apps[0], harsh, criterion, 2)
    _score(apps[1], harsh, criterion, 1)
    _score(apps[2], lenient, criterion, 5)
    _score(apps[3], lenient, criterion, 4)
    staff = UserFactory()
    staff_grant_program_role(user=staff, program=program)
    return {"cohort": cohort, "apps": apps, "staff": staff, "criterion": criterion}


def test_reviews_normalised_evens_out_harsh_and_lenient_reviewers(harsh_and_lenient):
    apps = harsh_and_lenient["apps"]

    fair = reviews_normalised(cohort=harsh_and_lenient["cohort"])

    # Raw 0-100: 25, 0, 100, 75; mean 50, sd 39.53; each reviewer's sd 12.5 -> z = +1 / -1.
    assert fair[apps[0].pk].normalised == pytest.approx(fair[apps[2].pk].normalised)
    assert fair[apps[1].pk].normalised == pytest.approx(fair[apps[3].pk].normalised)
    assert fair[apps[0].pk].normalised == pytest.approx(89.53, abs=0.01)
    assert fair[apps[1].pk].normalised == pytest.approx(10.47, abs=0.01)
    assert fair[apps[0].pk].normalised_spread is None


def test_reviews_normalised_keeps_a_single_review_and_gives_the_spread(harsh_and_lenient):
    cohort, criterion = harsh_and_lenient["cohort"], harsh_and_lenient["criterion"]
    app = SubmittedApplicationFactory(cohort=cohort)
    once = UserFactory()
    _score(app, once, criterion, 3)
    other = harsh_and_lenient["apps"][0]
    _score(other, once, criterion, 3)  # `once` now has two equal reviews: shifted only

    fair = reviews_normalised(cohort=cohort)

    assert fair[app.pk].normalised_spread is None
    assert fair[other.pk].normalised_spread is not None
    assert 0.0 <= fair[other.pk].normalised <= 100.0


def test_reviews_normalised_empty_cohort():
    assert reviews_normalised(cohort=CohortFactory()) == {}


def test_reviews_normalised_ignores_other_cohorts(harsh_and_lenient):
    stranger = SubmittedApplicationFactory()
    _score(stranger, UserFactory(), CriterionFactory(cohort=stranger.cohort), 5)

    fair = reviews_normalised(cohort=harsh_and_lenient["cohort"])

    assert stranger.pk not in fair
    assert set(fair) == {app.pk for app in harsh_and_lenient["apps"]}


def _order(response):
    return [row["application"].pk for row in response.context["rows"]]


def test_ranking_page_ranks_by_raw_mean_by_default(client, harsh_and_lenient):
    apps = harsh_and_lenient["apps"]
    client.force_login(harsh_and_lenient["staff"])

    response = client.get(reverse("cohorts:cohort_ranking", kwargs={"pk": harsh_and_lenient["cohort"].pk}))

    assert response.status_code == 200
    assert _order(response) == [apps[2].pk, apps[3].pk, apps[0].pk, apps[1].pk]
    assert [row["rank"] for row in response.context["rows"]] == [1, 2, 3, 4]
    assert f'data-testid="normalised-{apps[0].pk}">89.5<' in response.content.decode()


def test_ranking_page_ranks_by_normalised_when_staff_choose_it(client, harsh_and_lenient):
    apps = harsh_and_lenient["apps"]
    client.force_login(harsh_and_lenient["staff"])

    url = reverse("cohorts:cohort_ranking", kwargs={"pk": harsh_and_lenient["cohort"].pk})
    response = client.get(url, {"rank": "normalised"})

    assert response.status_code == 200
    assert set(_order(response)[:2]) == {apps[0].pk, apps[2].pk}
    assert [row["rank"] for row in response.context["rows"]] == [1, 1, 3, 3]
    assert 'data-testid="rank-by-normalised" aria-current="true"' not in response.content.decode()
    assert 'aria-current="true" data-testid="rank-by-normalised"' in response.content.decode()


@pytest.mark.parametrize("value", ["bogus", "", "RAW", "x" * 5000])  # NUL: the core answers 400
def test_ranking_page_unknown_rank_choice_falls_back_to_raw(client, harsh_and_lenient, value):
    client.force_login(harsh_and_lenient["staff"])

    url = reverse("cohorts:cohort_ranking", kwargs={"pk": harsh_and_lenient["cohort"].pk})
    response = client.get(url, {"rank": value})

    assert response.status_code == 200
    assert response.context["rank_by"] == "raw"


@pytest.mark.parametrize(
    ("who", "expected"), [("anonymous", 302), ("unrelated", 404), ("other_staff", 404), ("staff", 200)]
)
def test_ranking_by_normalised_permission_matrix(client, harsh_and_lenient, who, expected):
    users = {"anonymous": None, "unrelated": UserFactory(), "other_staff": UserFactory(), "staff": None}
    if who == "other_staff":
        staff_grant_program_role(user=users["other_staff"], program=ProgramFactory())
    user = harsh_and_lenient["staff"] if who == "staff" else users[who]
    if user is not None:
        client.force_login(user)

    url = reverse("cohorts:cohort_ranking", kwargs={"pk": harsh_and_lenient["cohort"].pk})
    response = client.get(url, {"rank": "normalised"})

    assert response.status_code == expected
    assert ("89.5" in response.content.decode()) is (expected == 200)


@pytest.mark.parametrize("rows", [1, 8])
def test_ranking_by_normalised_query_count_is_flat(client, django_assert_num_queries, rows):
    program = ProgramFactory()
    cohort = CohortFactory(program=program)
    criterion = CriterionFactory(cohort=cohort)
    reviewers = [UserFactory(), UserFactory()]
    for index in range(rows):
        _score(SubmittedApplicationFactory(cohort=cohort), reviewers[index % 2], criterion, 1 + index % 5)
    staff = UserFactory()
    staff_grant_program_role(user=staff, program=program)
    client.force_login(staff)

    with django_assert_num_queries(9):
        response = client.get(reverse("cohorts:cohort_ranking", kwargs={"pk": cohort.pk}), {"rank": "normalised"})

    assert response.status_code == 200
    assert len(response.context["rows"]) == rows
