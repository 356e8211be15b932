"""The assignment pages: permission matrix of every new URL (404 for what one may not see,
nothing leaked), flat query counts on the preview page, the adjust / confirm actions and bad
input that changes nothing."""

import pytest
from django.urls import reverse

from cohorts.enums import PairRuleKind, ProposalStatus, ReviewState, Sector
from cohorts.models import ReviewAssignment, ReviewerExpertise, ReviewPairRule, ReviewProposal
from cohorts.services.assignment import reviews_propose
from cohorts.services.reviews import review_assign, review_declare_conflict
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import (
    CohortFactory,
    OrganisationFactory,
    PhaseFactory,
    ProgramFactory,
    SubmittedApplicationFactory,
)
from incubator.models import OutboundEmail
from incubator.tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET_NAME = "สมหญิง ผู้สมัครลับ"


@pytest.fixture
def world():
    program = ProgramFactory()
    cohort = CohortFactory(program=program)
    phase = PhaseFactory(cohort=cohort, order=1, reviewers_per_application=1)
    applicant = UserFactory(full_name=SECRET_NAME)
    application = SubmittedApplicationFactory(cohort=cohort, phase=phase, applicant=applicant)
    reviewer, spare = UserFactory(full_name="วิภา ผู้ทบทวน"), UserFactory(full_name="ชาติชาย สำรอง")
    phase.reviewers.set([reviewer, spare])
    program_staff = UserFactory()
    staff_grant_program_role(user=program_staff, program=program)
    other_staff = UserFactory()
    staff_grant_program_role(user=other_staff, program=ProgramFactory())
    review = review_assign(application=application, reviewer=reviewer, by=program_staff, phase=phase)
    review_declare_conflict(review=review, reason="รู้จักกัน", by=reviewer)
    phase_only_reviewer = UserFactory()
    phase.reviewers.add(phase_only_reviewer)
    return {
        "phase": phase,
        "application": application,
        "review": review,
        "spare": spare,
        "users": {
            "anonymous": None,
            "applicant": applicant,
            "unrelated": UserFactory(),
            "reviewer": reviewer,
            "phase_only_reviewer": phase_only_reviewer,
            "staff_other_program": other_staff,
            "program_staff": program_staff,
            "superuser": SuperuserFactory(),
        },
    }


def _client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


STAFF_EXPECTED = {
    "anonymous": 302,
    "applicant": 404,
    "unrelated": 404,
    "reviewer": 404,
    "phase_only_reviewer": 404,
    "staff_other_program": 404,
    "program_staff": 200,
    "superuser": 200,
}


@pytest.mark.parametrize(("who", "expected"), STAFF_EXPECTED.items())
def test_phase_assign_permission_matrix(client, world, who, expected):
    client = _client_for(client, world["users"][who])
    response = client.get(reverse("cohorts:phase_assign", kwargs={"pk": world["phase"].pk}))
    assert response.status_code == expected
    if expected == 200:
        assert SECRET_NAME in response.content.decode()
    else:
        assert SECRET_NAME not in response.content.decode()


@pytest.mark.parametrize(("who", "expected"), STAFF_EXPECTED.items())
def test_phase_assign_post_permission_matrix(client, world, who, expected):
    client = _client_for(client, world["users"][who])
    response = client.post(reverse("cohorts:phase_assign", kwargs={"pk": world["phase"].pk}), {"action": "run"})
    assert response.status_code == (302 if expected == 200 else expected)
    assert ReviewProposal.objects.count() == (1 if expected == 200 else 0)


@pytest.mark.parametrize(("who", "expected"), STAFF_EXPECTED.items())
def test_review_replace_permission_matrix(client, world, who, expected):
    client = _client_for(client, world["users"][who])
    url = reverse("cohorts:review_replace", kwargs={"pk": world["review"].pk})
    response = client.get(url)
    assert response.status_code == expected
    body = response.content.decode()
    assert (SECRET_NAME in body) is (expected == 200)
    response = client.post(url, {"reviewer": world["spare"].pk})
    assert response.status_code == (302 if expected == 200 else expected)
    assigned = ReviewAssignment.objects.filter(reviewer=world["spare"]).exists()
    assert assigned is (expected == 200)


def test_review_replace_answers_404_for_a_review_without_conflict(client, world):
    review = review_assign(application=world["application"], reviewer=world["spare"], by=None, phase=world["phase"])
    client.force_login(world["users"]["program_staff"])
    assert client.get(reverse("cohorts:review_replace", kwargs={"pk": review.pk})).status_code == 404
    assert client.get("/staff/reviews/99999999999999999999999/replace/").status_code == 404


def test_review_replace_refuses_an_ineligible_reviewer_and_changes_nothing(client, world):
    client.force_login(world["users"]["program_staff"])
    url = reverse("cohorts:review_replace", kwargs={"pk": world["review"].pk})
    before = ReviewAssignment.objects.count()
    for bad in (world["users"]["reviewer"].pk, world["users"]["applicant"].pk, "x", ""):
        response = client.post(url, {"reviewer": bad})
        assert response.status_code == 400
        assert 'data-testid="errors"' in response.content.decode()
    assert ReviewAssignment.objects.count() == before


EXPERTISE_EXPECTED = {
    "anonymous": 302,
    "applicant": 404,
    "unrelated": 404,
    "reviewer": 200,
    "phase_only_reviewer": 200,
    "staff_other_program": 404,
    "program_staff": 404,
    "superuser": 404,
}


@pytest.mark.parametrize(("who", "expected"), EXPERTISE_EXPECTED.items())
def test_reviewer_expertise_permission_matrix(client, world, who, expected):
    client = _client_for(client, world["users"][who])
    url = reverse("cohorts:reviewer_expertise")
    assert client.get(url).status_code == expected
    response = client.post(url, {"sectors": [Sector.HEALTH], "regions": ["north"]})
    assert response.status_code == (302 if expected == 200 else expected)
    assert ReviewerExpertise.objects.filter(sectors=[Sector.HEALTH]).exists() is (expected == 200)


def test_reviewer_expertise_lists_only_the_reviewers_own_organisations(client, world):
    reviewer = world["users"]["reviewer"]
    mine = OrganisationFactory(name="องค์กรของผู้ทบทวน", created_by=reviewer)
    OrganisationFactory(name="องค์กรของคนอื่น")
    client.force_login(reviewer)
    body = client.get(reverse("cohorts:reviewer_expertise")).content.decode()
    assert mine.name in body
    assert "องค์กรของคนอื่น" not in body
    others = OrganisationFactory(name="องค์กรที่เลือกไม่ได้")
    response = client.post(reverse("cohorts:reviewer_expertise"), {"organisation": others.pk, "sectors": ["nope"]})
    assert response.status_code == 400
    assert not ReviewerExpertise.objects.exists()


def test_review_list_links_the_expertise_page_for_reviewers_only(client, world):
    client.force_login(world["users"]["phase_only_reviewer"])
    assert 'data-testid="expertise-link"' in client.get(reverse("cohorts:review_list")).content.decode()
    client.force_login(world["users"]["unrelated"])
    assert 'data-testid="expertise-link"' not in client.get(reverse("cohorts:review_list")).content.decode()


def _phase_with(rows: int):
    program = ProgramFactory()
    phase = PhaseFactory(cohort=CohortFactory(program=program), order=1, reviewers_per_application=2)
    people = [UserFactory() for _ in range(max(2, rows))]
    phase.reviewers.set(people)
    for _ in range(rows):
        SubmittedApplicationFactory(cohort=phase.cohort, phase=phase, organisation=OrganisationFactory())
    staff = UserFactory()
    staff_grant_program_role(user=staff, program=program)
    reviews_propose(phase=phase, by=staff)
    return phase, staff


@pytest.mark.parametrize("rows", [1, 9])
def test_phase_assign_preview_query_count_is_flat(client, django_assert_num_queries, rows):
    phase, staff = _phase_with(rows)
    client.force_login(staff)
    # 16 (was 13): the page no longer builds the whole solver input; it reads the application ids,
    # one page of applications, the reviewers, and the fingerprint's raw rows as values.
    with django_assert_num_queries(16):
        response = client.get(reverse("cohorts:phase_assign", kwargs={"pk": phase.pk}))
    assert response.status_code == 200
    assert len(response.context["rows"]) == rows
    assert sum(len(row["pairs"]) for row in response.context["rows"]) == 2 * rows


def test_phase_assign_run_remove_fix_forbid_and_confirm_in_two_steps(client, world):
    phase, staff = world["phase"], world["users"]["program_staff"]
    second = SubmittedApplicationFactory(cohort=phase.cohort, phase=phase)
    client.force_login(staff)
    url = reverse("cohorts:phase_assign", kwargs={"pk": phase.pk})
    assert client.post(url, {"action": "run"}).status_code == 302
    proposal = ReviewProposal.objects.get(status=ProposalStatus.DRAFT)
    pair = next(p for p in proposal.pairs if p["application"] == second.pk)
    assert (
        client.post(url, {"action": "remove", "application": second.pk, "reviewer": pair["reviewer"]}).status_code
        == 302
    )
    proposal.refresh_from_db()
    assert proposal.short == {str(second.pk): 1}
    page = client.get(url)
    assert 'data-testid="short"' in page.content.decode()
    # Forbid a pair, then the proposal is run again without it.
    assert (
        client.post(url, {"action": "forbidden", "application": second.pk, "reviewer": pair["reviewer"]}).status_code
        == 302
    )
    assert ReviewPairRule.objects.get().kind == PairRuleKind.FORBIDDEN
    latest = ReviewProposal.objects.get(status=ProposalStatus.DRAFT)
    assert (pair["reviewer"], second.pk) not in {(p["reviewer"], p["application"]) for p in latest.pairs}
    # Confirm: the first POST only asks; nothing is created or emailed.
    response = client.post(url, {"action": "confirm"})
    assert response.status_code == 200
    assert 'data-testid="confirm-step"' in response.content.decode()
    assert not ReviewAssignment.objects.filter(state=ReviewState.PENDING).exists()
    assert not OutboundEmail.objects.filter(template="cohorts/reviews_assigned").exists()
    assert client.post(url, {"action": "confirm", "sure": "yes"}).status_code == 302
    assert ReviewAssignment.objects.filter(state=ReviewState.PENDING, phase=phase).count() == 2
    assert OutboundEmail.objects.filter(template="cohorts/reviews_assigned").count() >= 1
    # A second confirm (another tab) changes nothing.
    emails = OutboundEmail.objects.count()
    assert client.post(url, {"action": "confirm", "sure": "yes"}).status_code == 400
    assert OutboundEmail.objects.count() == emails


def test_phase_assign_bad_input_shows_a_message_and_changes_nothing(client, world):
    phase, staff = world["phase"], world["users"]["program_staff"]
    client.force_login(staff)
    url = reverse("cohorts:phase_assign", kwargs={"pk": phase.pk})
    client.post(url, {"action": "run"})
    proposal = ReviewProposal.objects.get()
    before = list(proposal.pairs)
    other_app = SubmittedApplicationFactory()  # another call
    for data in (
        {"action": "add", "application": other_app.pk, "reviewer": world["spare"].pk},
        {"action": "add", "application": "x", "reviewer": world["spare"].pk},
        {"action": "add", "application": world["application"].pk, "reviewer": world["users"]["reviewer"].pk},
        {"action": "remove", "application": world["application"].pk, "reviewer": world["users"]["unrelated"].pk},
        {"action": "explode"},
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
    proposal.refresh_from_db()
    assert proposal.pairs == before
    assert not ReviewPairRule.objects.exists()


def test_phase_assign_warns_of_a_stale_proposal_and_refuses_to_confirm(client, world):
    phase, staff = world["phase"], world["users"]["program_staff"]
    client.force_login(staff)
    url = reverse("cohorts:phase_assign", kwargs={"pk": phase.pk})
    client.post(url, {"action": "run"})
    SubmittedApplicationFactory(cohort=phase.cohort, phase=phase)
    assert 'data-testid="stale"' in client.get(url).content.decode()
    before = ReviewAssignment.objects.count()
    response = client.post(url, {"action": "confirm", "sure": "yes"})
    assert response.status_code == 400
    assert ReviewAssignment.objects.count() == before


def test_ranking_links_each_phase_to_its_assignment_page(client, world):
    client.force_login(world["users"]["program_staff"])
    body = client.get(reverse("cohorts:cohort_ranking", kwargs={"pk": world["phase"].cohort_id})).content.decode()
    assert reverse("cohorts:phase_assign", kwargs={"pk": world["phase"].pk}) in body


def test_program_staff_see_expertise_rules_and_proposals_in_the_admin_but_not_another_programs(client, world):
    from cohorts.services.reviews import review_assign as assign

    staff = world["users"]["program_staff"]
    ReviewerExpertise.objects.create(user=world["spare"], sectors=[Sector.HEALTH])
    outsider = UserFactory(full_name="คนนอกโครงการ")
    assign(application=SubmittedApplicationFactory(), reviewer=outsider, by=None)
    ReviewerExpertise.objects.create(user=outsider, sectors=[Sector.CULTURE])
    reviews_propose(phase=world["phase"], by=staff)
    client.force_login(staff)
    body = client.get(reverse("admin:cohorts_reviewerexpertise_changelist")).content.decode()
    assert world["spare"].full_name in body
    assert "คนนอกโครงการ" not in body
    assert client.get(reverse("admin:cohorts_reviewproposal_changelist")).status_code == 200
    assert client.get(reverse("admin:cohorts_reviewpairrule_changelist")).status_code == 200
    client.force_login(world["users"]["staff_other_program"])
    body = client.get(reverse("admin:cohorts_reviewerexpertise_changelist")).content.decode()
    assert world["spare"].full_name not in body


def test_phase_assign_names_a_fixed_pair_that_became_blocked(client, world):
    phase, staff = world["phase"], world["users"]["program_staff"]
    from cohorts.services.assignment import pair_rule_set

    # Staff fix the pair whose reviewer declared a conflict: it is never proposed, and said so.
    pair_rule_set(
        phase=phase,
        application=world["application"],
        reviewer=world["users"]["reviewer"],
        kind=PairRuleKind.FIXED,
        by=staff,
    )
    reviews_propose(phase=phase, by=staff)
    client.force_login(staff)
    body = client.get(reverse("cohorts:phase_assign", kwargs={"pk": phase.pk})).content.decode()
    assert 'data-testid="problems"' in body
    assert "วิภา ผู้ทบทวน" in body
    proposal = ReviewProposal.objects.get(status=ProposalStatus.DRAFT)
    assert (world["users"]["reviewer"].pk, world["application"].pk) not in {
        (p["reviewer"], p["application"]) for p in proposal.pairs
    }


def _admin_rows(rows: int):
    program = ProgramFactory()
    phase = PhaseFactory(cohort=CohortFactory(program=program), order=1, reviewers_per_application=1)
    staff = UserFactory()
    staff_grant_program_role(user=staff, program=program)
    people = [UserFactory() for _ in range(rows)]
    phase.reviewers.set(people)
    from cohorts.services.assignment import pair_rule_set, reviewer_expertise_save

    for person in people:
        application = SubmittedApplicationFactory(cohort=phase.cohort, phase=phase, organisation=OrganisationFactory())
        reviewer_expertise_save(
            user=person, track_kinds=[], sectors=[Sector.HEALTH], regions=[], organisation=application.organisation
        )
        pair_rule_set(phase=phase, application=application, reviewer=person, kind=PairRuleKind.FORBIDDEN, by=staff)
        reviews_propose(phase=phase, by=staff)
    return staff


@pytest.mark.parametrize("rows", [1, 6])
@pytest.mark.parametrize(
    ("changelist", "queries"),
    [("reviewerexpertise", 8), ("reviewpairrule", 8), ("reviewproposal", 8)],
)
def test_assignment_admin_changelists_query_count_is_flat(client, django_assert_num_queries, rows, changelist, queries):
    staff = _admin_rows(rows)
    client.force_login(staff)
    url = reverse(f"admin:cohorts_{changelist}_changelist")
    client.get(url)  # the session and the permission cache warm up
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == rows


def test_a_phase_reviewer_without_reviews_has_the_reviews_menu(client, world):
    client.force_login(world["users"]["phase_only_reviewer"])
    body = client.get(reverse("cohorts:review_list")).content.decode()
    assert 'data-testid="nav-reviews"' in body
    client.force_login(world["users"]["unrelated"])
    assert 'data-testid="nav-reviews"' not in client.get(reverse("cohorts:review_list")).content.decode()


def _proposed(world, client):
    """The world's phase with a second application and a proposal run by staff."""
    phase, staff = world["phase"], world["users"]["program_staff"]
    second = SubmittedApplicationFactory(
        cohort=phase.cohort, phase=phase, applicant=UserFactory(full_name="กานดา ค้นหาได้")
    )
    client.force_login(staff)
    url = reverse("cohorts:phase_assign", kwargs={"pk": phase.pk})
    assert client.post(url, {"action": "run"}).status_code == 302
    proposal = ReviewProposal.objects.get(status=ProposalStatus.DRAFT)
    return url, proposal, second


def test_phase_assign_table_button_removes_the_pair_in_its_value(english, client, world):
    url, proposal, second = _proposed(world, client)
    pair = next(p for p in proposal.pairs if p["application"] == second.pk)
    page = client.get(url).content.decode()
    table_form = page[
        page.index('data-testid="pairs-table-form"') : page.index("</form>", page.index("pairs-table-form"))
    ]
    assert table_form.count('name="csrfmiddlewaretoken"') == 1  # one token for every button of the table
    assert table_form.count('data-testid="remove-pair"') == 2
    assert f'name="remove" value="{second.pk}:{pair["reviewer"]}"' in page
    response = client.post(url, {"remove": f"{second.pk}:{pair['reviewer']}"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (second.pk, pair["reviewer"]) not in {(p["application"], p["reviewer"]) for p in proposal.pairs}
    assert proposal.short == {str(second.pk): 1}


@pytest.mark.parametrize("value", ["", "x", "12", ":", "1:", "-1:2", "1:2:3", "1 :2", "9" * 40 + ":1"])
@pytest.mark.parametrize("button", ["remove", "fixed", "forbidden"])
def test_phase_assign_table_button_with_a_bad_value_changes_nothing(english, client, world, button, value):
    url, proposal, _second = _proposed(world, client)
    before = list(proposal.pairs)
    response = client.post(url, {button: value})
    assert response.status_code == 400
    assert "That button does not name a pair" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.pairs == before
    assert not ReviewPairRule.objects.exists()
    assert ReviewProposal.objects.count() == 1


@pytest.mark.parametrize("button", ["remove", "fixed", "forbidden"])
def test_phase_assign_table_button_refuses_another_phases_application(english, client, world, button):
    url, proposal, _second = _proposed(world, client)
    before = list(proposal.pairs)
    foreign = SubmittedApplicationFactory()  # another call, another phase
    response = client.post(url, {button: f"{foreign.pk}:{world['spare'].pk}"})
    assert response.status_code == 400
    assert "No application standing in this phase matches" in response.content.decode()
    response = client.post(url, {button: f"{world['application'].pk}:{world['users']['unrelated'].pk}"})
    assert response.status_code == 400
    proposal.refresh_from_db()
    assert proposal.pairs == before
    assert not ReviewPairRule.objects.exists()
    assert ReviewProposal.objects.count() == 1


def test_phase_assign_add_form_refuses_a_blocked_pair_and_keeps_what_was_typed(english, client, world):
    url, proposal, _second = _proposed(world, client)
    before = list(proposal.pairs)
    typed = f"#{world['application'].pk}"
    conflicted = world["users"]["reviewer"]  # declared a conflict for that application
    response = client.post(url, {"action": "add", "application": typed, "reviewer": conflicted.pk})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="pair-errors"' in body
    assert "may never be assigned" in body
    assert f'value="{typed}"' in body
    assert f'<option value="{conflicted.pk}" selected>' in body
    proposal.refresh_from_db()
    assert proposal.pairs == before


def test_phase_assign_add_form_finds_an_application_by_number_or_name(english, client, world):
    url, proposal, second = _proposed(world, client)
    taken = {p["reviewer"] for p in proposal.pairs if p["application"] == second.pk}
    free = next(u for u in (world["spare"], world["users"]["phase_only_reviewer"]) if u.pk not in taken)
    for text in ("nobody-here", "99999999", "9" * 30):
        response = client.post(url, {"action": "add", "application": text, "reviewer": free.pk})
        assert response.status_code == 400
        assert "No application standing in this phase matches" in response.content.decode()
    # A part of a name shared by both applications is refused as ambiguous.
    SubmittedApplicationFactory(
        cohort=world["phase"].cohort, phase=world["phase"], applicant=UserFactory(full_name="กานดา อีกคน")
    )
    response = client.post(url, {"action": "add", "application": "กานดา", "reviewer": free.pk})
    assert response.status_code == 400
    assert "matches several applications" in response.content.decode()
    response = client.post(url, {"action": "add", "application": "ค้นหาได้", "reviewer": free.pk})
    assert response.status_code == 302
    proposal = ReviewProposal.objects.get(status=ProposalStatus.DRAFT)
    added = next(p for p in proposal.pairs if p["application"] == second.pk and p["reviewer"] == free.pk)
    assert added["added"] is True


def test_phase_assign_lists_what_needs_attention_first_a_page_at_a_time(client, monkeypatch):
    from cohorts.views import assignment as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    phase, staff = _phase_with(5)
    client.force_login(staff)
    url = reverse("cohorts:phase_assign", kwargs={"pk": phase.pk})
    proposal = ReviewProposal.objects.get(status=ProposalStatus.DRAFT)
    last = max(p["application"] for p in proposal.pairs)
    pair = next(p for p in proposal.pairs if p["application"] == last)
    response = client.post(url, {"remove": f"{last}:{pair['reviewer']}", "show": "all", "page": "2"})
    assert response.status_code == 302
    assert response.url == f"{url}?page=2"
    first = client.get(url)
    assert [row["application"].pk for row in first.context["rows"]][0] == last
    assert first.context["rows"][0]["short"] == 1
    assert len(first.context["rows"]) == 2
    assert 'data-testid="page-next"' in first.content.decode()
    seen = [row["application"].pk for n in (1, 2, 3) for row in client.get(f"{url}?page={n}").context["rows"]]
    assert sorted(seen) == sorted(set(seen))
    assert len(seen) == 5
    assert [r["application"].pk for r in client.get(f"{url}?page=99").context["rows"]] == seen[4:]
    assert [r["application"].pk for r in client.get(f"{url}?page=x").context["rows"]] == seen[:2]
    only = client.get(f"{url}?show=attention")
    assert [row["application"].pk for row in only.context["rows"]] == [last]
    assert 'data-testid="pagination"' not in only.content.decode()
    # The loads and the spread cover the whole proposal, not the page.
    assert sum(row["load"] for row in only.context["reviewer_rows"]) == 2 * 5 - 1


def test_phase_assign_add_form_keeps_what_was_typed_when_a_rule_is_refused(english, client, world):
    url, _proposal, second = _proposed(world, client)
    world["phase"].reviewers.add(second.applicant)
    typed = f"  #{second.pk} "
    response = client.post(url, {"action": "fixed", "application": typed, "reviewer": second.applicant.pk})
    assert response.status_code == 400
    body = response.content.decode()
    assert "cannot review their own application" in body
    assert 'data-testid="pair-errors"' in body
    assert f'value="{typed}"' in body  # as typed, spaces and all
    assert f'<option value="{second.applicant.pk}" selected>' in body
    assert not ReviewPairRule.objects.exists()
