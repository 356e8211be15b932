"""The staff selection page, the threshold preview, the ranking per phase and the applicant's
steps: who may see them (404 for everyone else, nothing leaked), bad input, query counts."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from cohorts.enums import ApplicationStatus
from cohorts.services.phases import applications_advance
from cohorts.services.reviews import review_assign, review_submit_scores
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import (
    CohortFactory,
    CriterionFactory,
    OrganisationFactory,
    PhaseFactory,
    ProgramFactory,
    SubmittedApplicationFactory,
)
from incubator.models import OutboundEmail
from incubator.tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET_NAME = "วิไลวรรณ ผู้สมัครลับ"


def program_staff_of(program):
    user = UserFactory()
    staff_grant_program_role(user=user, program=program)
    return user


@pytest.fixture
def world():
    program = ProgramFactory()
    cohort = CohortFactory(program=program)
    screening = PhaseFactory(cohort=cohort, order=1, name="คัดกรองคุณสมบัติ", description="ทีมงานตรวจคุณสมบัติ")
    review = PhaseFactory(cohort=cohort, order=2, name="พิจารณาให้คะแนน", description="ผู้พิจารณาอ่านใบสมัคร")
    criterion = CriterionFactory(cohort=cohort, phase=screening, name="ความพร้อม")
    applicant = UserFactory(full_name=SECRET_NAME)
    application = SubmittedApplicationFactory(cohort=cohort, applicant=applicant, phase=screening)
    reviewer = UserFactory()
    staff = program_staff_of(program)
    review_submit_scores(
        review=review_assign(application=application, reviewer=reviewer, by=staff, phase=screening),
        by=reviewer,
        scores={criterion.pk: 5},
    )
    return {
        "cohort": cohort,
        "phases": [screening, review],
        "criterion": criterion,
        "application": application,
        "users": {
            "anonymous": None,
            "applicant": applicant,
            "another_applicant": SubmittedApplicationFactory().applicant,
            "reviewer_assigned": reviewer,
            "staff_other_program": program_staff_of(ProgramFactory()),
            "program_staff": staff,
            "superuser": SuperuserFactory(),
        },
    }


def _client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


EXPECTED = {
    "anonymous": 302,
    "applicant": 404,
    "another_applicant": 404,
    "reviewer_assigned": 404,
    "staff_other_program": 404,
    "program_staff": 200,
    "superuser": 200,
}


def _selection(world):
    return reverse("cohorts:selection", kwargs={"pk": world["cohort"].pk})


def _threshold(world, phase=None):
    phase = phase or world["phases"][0]
    return reverse("cohorts:selection_threshold", kwargs={"pk": world["cohort"].pk, "phase_pk": phase.pk})


@pytest.mark.parametrize(("who", "expected"), EXPECTED.items())
def test_selection_page_permission_matrix(client, world, who, expected):
    response = _client_for(client, world["users"][who]).get(_selection(world))

    assert response.status_code == expected
    body = response.content.decode()
    assert (SECRET_NAME in body) is (expected == 200)
    if expected == 200:
        assert "คัดกรองคุณสมบัติ" in body
        assert f'data-testid="phase-ranking-{world["phases"][0].pk}"' in body


@pytest.mark.parametrize(("who", "expected"), EXPECTED.items())
def test_selection_move_permission_matrix(client, world, who, expected):
    application = world["application"]

    response = _client_for(client, world["users"][who]).post(
        _selection(world), {"phase": world["phases"][0].pk, "applications": [application.pk], "notify": "on"}
    )

    application.refresh_from_db()
    if expected == 200:
        assert response.status_code == 302
        assert application.phase_id == world["phases"][1].pk
        assert OutboundEmail.objects.filter(key__startswith="phase-moved:").count() == 1
    else:
        assert response.status_code == expected
        assert application.phase_id == world["phases"][0].pk
        assert OutboundEmail.objects.count() == 0
        assert SECRET_NAME not in response.content.decode()


@pytest.mark.parametrize(("who", "expected"), EXPECTED.items())
def test_threshold_preview_permission_matrix(client, world, who, expected):
    response = _client_for(client, world["users"][who]).get(_threshold(world), {"threshold": "50", "rank": "raw"})

    assert response.status_code == expected
    body = response.content.decode()
    assert (SECRET_NAME in body) is (expected == 200)


@pytest.mark.parametrize(("who", "expected"), EXPECTED.items())
def test_threshold_apply_permission_matrix(client, world, who, expected):
    application = world["application"]

    response = _client_for(client, world["users"][who]).post(
        _threshold(world), {"threshold": "50", "rank": "raw", "shown": str(application.pk)}
    )

    application.refresh_from_db()
    if expected == 200:
        assert response.status_code == 302
        assert application.phase_id == world["phases"][1].pk
    else:
        assert response.status_code == expected
        assert application.phase_id == world["phases"][0].pk


def test_threshold_of_a_phase_of_another_call_is_not_found(client, world):
    client.force_login(world["users"]["program_staff"])

    response = client.get(_threshold(world, phase=PhaseFactory()), {"threshold": "50"})

    assert response.status_code == 404


def test_move_without_a_choice_says_so_and_moves_nothing(client, world):
    client.force_login(world["users"]["program_staff"])

    response = client.post(_selection(world), {"phase": world["phases"][0].pk})

    assert response.status_code == 400
    with translation.override("th"):
        assert translation.gettext("Choose at least one application to move.") in response.content.decode()
    assert f'data-testid="errors-{world["phases"][0].pk}"' in response.content.decode()
    world["application"].refresh_from_db()
    assert world["application"].phase_id == world["phases"][0].pk


def test_move_of_an_application_of_another_phase_or_call_is_refused(client, world):
    elsewhere = SubmittedApplicationFactory(phase=PhaseFactory())
    client.force_login(world["users"]["program_staff"])

    response = client.post(
        _selection(world), {"phase": world["phases"][0].pk, "applications": [world["application"].pk, elsewhere.pk]}
    )

    assert response.status_code == 400
    world["application"].refresh_from_db()
    assert world["application"].phase_id == world["phases"][0].pk


def test_move_from_the_last_phase_is_refused(client, world):
    client.force_login(world["users"]["program_staff"])

    response = client.post(_selection(world), {"phase": world["phases"][1].pk, "applications": ["1"]})

    assert response.status_code == 400
    assert f'data-testid="errors-{world["phases"][1].pk}"' in response.content.decode()


@pytest.mark.parametrize("phase", ["abc", "", "99999999"])
def test_move_from_an_unknown_phase_says_so_and_moves_nothing(client, world, phase):
    client.force_login(world["users"]["program_staff"])

    response = client.post(_selection(world), {"phase": phase, "applications": [world["application"].pk]})

    assert response.status_code == 400
    assert 'data-testid="selection-errors"' in response.content.decode()
    world["application"].refresh_from_db()
    assert world["application"].phase_id == world["phases"][0].pk


@pytest.mark.parametrize("threshold", ["150", "-1", "abc", ""])
def test_threshold_out_of_range_gets_a_message(client, world, threshold):
    client.force_login(world["users"]["program_staff"])

    response = client.get(_threshold(world), {"threshold": threshold, "rank": "raw"})

    assert response.status_code == 400
    assert 'data-testid="threshold-errors"' in response.content.decode()


def test_threshold_preview_shows_who_moves_and_the_count(client, world):
    low = SubmittedApplicationFactory(cohort=world["cohort"], phase=world["phases"][0])
    reviewer = world["users"]["reviewer_assigned"]
    review_submit_scores(
        review=review_assign(
            application=low, reviewer=reviewer, by=world["users"]["program_staff"], phase=world["phases"][0]
        ),
        by=reviewer,
        scores={world["criterion"].pk: 1},
    )
    client.force_login(world["users"]["program_staff"])

    response = client.get(_threshold(world), {"threshold": "60", "rank": "raw"})

    assert response.status_code == 200
    assert response.context["preview"].ids == [world["application"].pk]
    body = response.content.decode()
    assert f'data-testid="threshold-row-{world["application"].pk}"' in body
    assert f'data-testid="threshold-row-{low.pk}"' not in body
    assert f'name="shown" value="{world["application"].pk}"' in body


def test_stale_threshold_confirmation_is_refused_with_the_new_preview(client, world):
    other = SubmittedApplicationFactory(cohort=world["cohort"], phase=world["phases"][0])
    client.force_login(world["users"]["program_staff"])

    response = client.post(
        _threshold(world), {"threshold": "50", "rank": "raw", "shown": f"{world['application'].pk},{other.pk}"}
    )

    assert response.status_code == 409
    assert response.context["preview"].ids == [world["application"].pk]
    world["application"].refresh_from_db()
    assert world["application"].phase_id == world["phases"][0].pk


# Ranking per phase ---------------------------------------------------------------------------


def test_ranking_defaults_to_the_latest_phase_with_reviews_and_switches(client, world):
    client.force_login(world["users"]["program_staff"])
    url = reverse("cohorts:cohort_ranking", kwargs={"pk": world["cohort"].pk})

    default = client.get(url)
    second = client.get(url, {"phase": world["phases"][1].pk})
    malformed = client.get(url, {"phase": "abc"})

    assert default.context["phase"] == world["phases"][0]
    assert [criterion.pk for criterion in default.context["criteria"]] == [world["criterion"].pk]
    assert default.context["rows"][0]["application"].weighted_score == 100.0
    assert second.context["phase"] == world["phases"][1]
    assert second.context["rows"] == []  # nobody reached the review round yet
    assert malformed.context["phase"] == world["phases"][0]
    assert 'data-testid="selection-link"' in default.content.decode()


def test_ranking_of_a_call_without_phases_is_unchanged(client, world):
    cohort = CohortFactory(program=world["cohort"].program)
    SubmittedApplicationFactory(cohort=cohort)
    client.force_login(world["users"]["program_staff"])

    response = client.get(reverse("cohorts:cohort_ranking", kwargs={"pk": cohort.pk}))

    assert response.context["phase"] is None
    assert 'data-testid="phase-switcher"' not in response.content.decode()
    assert len(response.context["rows"]) == 1


# Query counts ---------------------------------------------------------------------------------


def _call_with(rows):
    program = ProgramFactory()
    cohort = CohortFactory(program=program)
    phases = [PhaseFactory(cohort=cohort, order=order) for order in (1, 2, 3)]
    criterion = CriterionFactory(cohort=cohort, phase=phases[0], weight=Decimal("2"))
    staff = program_staff_of(program)
    applications = []
    for _ in range(rows):
        application = SubmittedApplicationFactory(cohort=cohort, phase=phases[0], organisation=OrganisationFactory())
        reviewer = UserFactory()
        review_submit_scores(
            review=review_assign(application=application, reviewer=reviewer, by=staff, phase=phases[0]),
            by=reviewer,
            scores={criterion.pk: 4},
        )
        applications.append(application)
    if rows > 1:
        applications_advance(applications=applications[: rows // 2], to_phase=phases[1], by=staff)
    return cohort, phases, staff, applications


@pytest.mark.parametrize("rows", [1, 8])
def test_selection_page_query_count_is_flat(client, django_assert_num_queries, rows):
    cohort, _phases, staff, _applications = _call_with(rows)
    client.force_login(staff)

    with django_assert_num_queries(8):
        response = client.get(reverse("cohorts:selection", kwargs={"pk": cohort.pk}))

    assert response.status_code == 200
    assert sum(len(row["standing"].movable) for row in response.context["rows"]) == rows


@pytest.mark.parametrize("rows", [1, 8])
def test_threshold_preview_query_count_is_flat(client, django_assert_num_queries, rows):
    cohort, phases, staff, _applications = _call_with(rows)
    client.force_login(staff)
    url = reverse("cohorts:selection_threshold", kwargs={"pk": cohort.pk, "phase_pk": phases[0].pk})

    with django_assert_num_queries(8):
        response = client.get(url, {"threshold": "50", "rank": "normalised"})

    assert response.status_code == 200
    assert response.context["preview"].count == rows - rows // 2


@pytest.mark.parametrize("rows", [1, 8])
def test_ranking_of_a_phase_query_count_is_flat(client, django_assert_num_queries, rows):
    cohort, phases, staff, _applications = _call_with(rows)
    client.force_login(staff)

    with django_assert_num_queries(9):
        response = client.get(reverse("cohorts:cohort_ranking", kwargs={"pk": cohort.pk}), {"phase": phases[0].pk})

    assert len(response.context["rows"]) == rows


# The applicant's steps --------------------------------------------------------------------------


def test_applicant_sees_the_phase_steps_and_what_happens_now_without_a_score(client, world):
    client.force_login(world["users"]["applicant"])
    url = world["application"].get_absolute_url()

    with translation.override("th"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="th")

    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-testid="phase-step-{world["phases"][0].pk}" data-state="current"' in body
    assert f'data-testid="phase-step-{world["phases"][1].pk}" data-state="next"' in body
    assert "ทีมงานตรวจคุณสมบัติ" in body  # what happens now
    assert "ผู้พิจารณาอ่านใบสมัคร" not in body  # the next phase's description is not "now"
    assert "100.0" not in body
    assert "phase-score-" not in body


def test_applicant_sees_the_score_once_staff_publish_it(client, world):
    screening = world["phases"][0]
    screening.scores_published = True
    screening.save()
    client.force_login(world["users"]["applicant"])

    response = client.get(world["application"].get_absolute_url())

    assert f'data-testid="phase-score-{screening.pk}"' in response.content.decode()
    assert "100.0" in response.content.decode()


def test_decided_application_shows_the_decision_not_the_steps(client, world):
    application = world["application"]
    application.status = ApplicationStatus.ACCEPTED
    application.save()
    client.force_login(world["users"]["applicant"])

    response = client.get(application.get_absolute_url())

    assert 'data-testid="phase-steps"' not in response.content.decode()
    assert 'data-testid="application-status"' in response.content.decode()


def test_application_list_says_now_phase_in_thai(client, world):
    client.force_login(world["users"]["applicant"])

    response = client.get(reverse("cohorts:my_applications"), HTTP_ACCEPT_LANGUAGE="th")

    assert 'data-testid="phase-now"' in response.content.decode()
    assert "คัดกรองคุณสมบัติ" in response.content.decode()


@pytest.mark.parametrize("rows", [1, 5])
def test_applicant_pages_query_counts_are_flat_in_phases(client, django_assert_num_queries, rows):
    cohorts = []
    applicant = UserFactory()
    for _ in range(rows):
        cohort = CohortFactory()
        phases = [PhaseFactory(cohort=cohort, order=order, scores_published=True) for order in range(1, rows + 2)]
        cohorts.append(SubmittedApplicationFactory(cohort=cohort, applicant=applicant, phase=phases[-1]))
    client.force_login(applicant)

    with django_assert_num_queries(3):
        listing = client.get(reverse("cohorts:my_applications"))
    with django_assert_num_queries(9):  # with the applicant's own deadline (extensions): one query
        detail = client.get(cohorts[0].get_absolute_url())

    assert listing.content.decode().count('data-testid="phase-now"') == rows
    assert len(detail.context["steps"]) == rows + 1
    assert detail.context["steps"][0].state == "done"


# Thai, and the lead's hooks ---------------------------------------------------------------------


def test_phase_pages_in_thai_show_no_english(client, world):
    from incubator.tests.thai import english_words

    world["users"]["program_staff"].full_name = "สมศรี เจ้าหน้าที่"
    world["users"]["program_staff"].save()
    world["cohort"].program.name_en = ""
    world["cohort"].program.save()
    staff = _client_for(client, world["users"]["program_staff"])
    pages = {
        "selection": staff.get(_selection(world)),
        "threshold": staff.get(_threshold(world), {"threshold": "50", "rank": "raw"}),
        "ranking": staff.get(
            reverse("cohorts:cohort_ranking", kwargs={"pk": world["cohort"].pk}), {"phase": world["phases"][0].pk}
        ),
    }
    client.logout()
    applicant = _client_for(client, world["users"]["applicant"])
    pages["detail"] = applicant.get(world["application"].get_absolute_url())
    pages["list"] = applicant.get(reverse("cohorts:my_applications"))

    found = {name: english_words(response.content.decode()) for name, response in pages.items()}

    assert found == {name: [] for name in pages}


def test_selection_page_blocks_take_the_leads_links_per_phase(rf, world):
    from django.template import engines

    child = engines["django"].from_string(
        '{% extends "cohorts/cohort_selection.html" %}'
        "{% block selection_tools %}<a data-testid=tool>tool</a>{% endblock %}"
        '{% block phase_actions %}{% if phase %}<a data-testid="slot-{{ phase.pk }}">slots</a>{% endif %}'
        "{% endblock %}"
    )
    request = rf.get("/")
    request.user = world["users"]["program_staff"]
    from cohorts.selectors.phases import selection_overview

    rows = [
        {"standing": row, "key": str(row.phase.pk), "errors": []} for row in selection_overview(cohort=world["cohort"])
    ]

    html = child.render({"cohort": world["cohort"], "rows": rows, "has_phases": True, "chosen": set()}, request)

    assert html.count("data-testid=tool") == 1
    for phase in world["phases"]:
        assert f'data-testid="slot-{phase.pk}"' in html
