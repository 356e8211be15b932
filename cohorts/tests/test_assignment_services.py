"""Automatic reviewer assignment on the real database: never a conflicted, forbidden, own or
same-organisation pair (randomised calls), fixed pairs and existing reviews kept, loads within
one, a stale proposal refused, one email per reviewer after confirm and none before, and the
conflict alert to staff exactly once with a valid replacement."""

import random

import pytest
from django.core.exceptions import ValidationError

from cohorts.enums import ApplicationStatus, PairRuleKind, ProposalStatus, ReviewState, Sector, TrackKind
from cohorts.models import ReviewAssignment, ReviewerExpertise, ReviewPairRule
from cohorts.selectors.blind import application_pseudonym
from cohorts.services.assignment import (
    pair_rule_set,
    proposal_pair_add,
    proposal_pair_remove,
    reasons_text,
    reviewer_expertise_save,
    reviews_confirm,
    reviews_propose,
)
from cohorts.services.conflicts import replacement_candidates, review_replace
from cohorts.services.reviews import review_assign, review_declare_conflict
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import (
    CohortFactory,
    OrganisationFactory,
    PhaseFactory,
    ProgramFactory,
    SubmittedApplicationFactory,
    TrackFactory,
)
from incubator.models import OutboundEmail
from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def make_call(*, applications=6, reviewers=4, per_application=2, blind=False, max_per_reviewer=None):
    program = ProgramFactory()
    cohort = CohortFactory(program=program)
    phase = PhaseFactory(
        cohort=cohort,
        order=1,
        reviewers_per_application=per_application,
        is_blind=blind,
        max_reviews_per_reviewer=max_per_reviewer,
    )
    staff = UserFactory(full_name="ผู้ดูแลโครงการ")
    staff_grant_program_role(user=staff, program=program)
    people = [UserFactory() for _ in range(reviewers)]
    phase.reviewers.set(people)
    apps = [
        SubmittedApplicationFactory(cohort=cohort, phase=phase, organisation=OrganisationFactory())
        for _ in range(applications)
    ]
    return {"program": program, "cohort": cohort, "phase": phase, "staff": staff, "reviewers": people, "apps": apps}


def pairs_of(proposal):
    return {(p["reviewer"], p["application"]) for p in proposal.pairs}


def loads_of(proposal, reviewers):
    loads = {r.pk: 0 for r in reviewers}
    for p in proposal.pairs:
        loads[p["reviewer"]] += 1
    return loads


def test_propose_gives_each_application_n_reviewers_with_loads_within_one_and_stores_a_draft():
    call = make_call(applications=7, reviewers=4, per_application=2)
    proposal = reviews_propose(phase=call["phase"], by=call["staff"])
    assert proposal.status == ProposalStatus.DRAFT
    assert len(proposal.pairs) == 14
    loads = loads_of(proposal, call["reviewers"])
    assert max(loads.values()) - min(loads.values()) <= 1
    assert proposal.short == {}
    assert ReviewAssignment.objects.count() == 0  # nothing assigned before confirm
    assert OutboundEmail.objects.count() == 0


def test_propose_respects_the_phase_maximum_and_says_who_is_short():
    call = make_call(applications=5, reviewers=2, per_application=2, max_per_reviewer=3)
    proposal = reviews_propose(phase=call["phase"], by=call["staff"])
    assert max(loads_of(proposal, call["reviewers"]).values()) <= 3
    assert sum(proposal.short.values()) == 10 - 6


@pytest.mark.parametrize("seed", range(6))
def test_propose_never_assigns_a_conflicted_forbidden_own_or_same_organisation_pair(seed):
    rng = random.Random(seed)
    call = make_call(applications=rng.randint(4, 9), reviewers=rng.randint(3, 6), per_application=2)
    phase, apps, reviewers = call["phase"], call["apps"], call["reviewers"]
    never = set()
    # A conflict declared in an earlier review of the same application (no phase).
    for _ in range(rng.randint(1, 3)):
        app, person = rng.choice(apps), rng.choice(reviewers)
        review = ReviewAssignment.objects.create(
            application=app, reviewer=person, phase=None, state=ReviewState.CONFLICT
        )
        assert review.pk
        never.add((person.pk, app.pk))
    # Staff forbid some pairs.
    for _ in range(rng.randint(1, 3)):
        app, person = rng.choice(apps), rng.choice(reviewers)
        pair_rule_set(phase=phase, application=app, reviewer=person, kind=PairRuleKind.FORBIDDEN, by=call["staff"])
        never.add((person.pk, app.pk))
    # A reviewer of an applicant's organisation (expertise), another who applied with one.
    member, applied = rng.sample(reviewers, 2)
    org_app = rng.choice(apps)
    reviewer_expertise_save(user=member, track_kinds=[], sectors=[], regions=[], organisation=org_app.organisation)
    never.add((member.pk, org_app.pk))
    other_app = rng.choice(apps)
    SubmittedApplicationFactory(applicant=applied, organisation=other_app.organisation)  # another call
    never.add((applied.pk, other_app.pk))
    # A reviewer who is an applicant of the phase.
    own_app = rng.choice(apps)
    phase.reviewers.add(own_app.applicant)
    never.add((own_app.applicant_id, own_app.pk))

    proposal = reviews_propose(phase=phase, by=call["staff"])
    assert pairs_of(proposal) & never == set()
    bad_reviewer, bad_app = sorted(never)[0]
    with pytest.raises(ValidationError):
        proposal_pair_add(proposal=proposal, application_id=bad_app, reviewer_id=bad_reviewer, by=call["staff"])
    reviews_confirm(proposal=proposal, by=call["staff"])
    created = set(ReviewAssignment.objects.filter(phase=phase).values_list("reviewer_id", "application_id"))
    assert created & never == set()


def test_fixed_pairs_and_existing_reviews_are_kept_and_count_towards_n_and_load():
    call = make_call(applications=4, reviewers=3, per_application=2)
    phase, apps, reviewers, staff = call["phase"], call["apps"], call["reviewers"], call["staff"]
    existing = review_assign(application=apps[0], reviewer=reviewers[0], by=staff, phase=phase)
    pair_rule_set(phase=phase, application=apps[1], reviewer=reviewers[2], kind=PairRuleKind.FIXED, by=staff)
    proposal = reviews_propose(phase=phase, by=staff)
    by_pair = {(p["reviewer"], p["application"]): p for p in proposal.pairs}
    assert by_pair[(reviewers[0].pk, apps[0].pk)]["existing"] is True
    assert by_pair[(reviewers[2].pk, apps[1].pk)]["fixed"] is True
    assert len(proposal.pairs) == 8
    assert sum(1 for p in proposal.pairs if p["application"] == apps[0].pk) == 2
    done = reviews_confirm(proposal=proposal, by=staff)
    assert done.created == 7  # the existing review is not made twice
    assert ReviewAssignment.objects.filter(phase=phase).count() == 8
    assert ReviewAssignment.objects.get(pk=existing.pk).assigned_by == staff


def test_expertise_counts_as_fit_and_reasons_are_words():
    call = make_call(applications=1, reviewers=2, per_application=1)
    app = call["apps"][0]
    app.organisation.focus_areas = [Sector.EDUCATION]
    app.organisation.region = "north"
    app.organisation.save()
    expert, other = call["reviewers"]
    reviewer_expertise_save(
        user=expert,
        track_kinds=[TrackKind.ORGANISATION],
        sectors=[Sector.EDUCATION],
        regions=["north"],
        organisation=None,
    )
    proposal = reviews_propose(phase=call["phase"], by=call["staff"])
    [pair] = proposal.pairs
    assert pair["reviewer"] == expert.pk
    from django.utils import translation

    with translation.override("en"):
        assert reasons_text(pair["reasons"]) == [
            "track kind: Organisation",
            "shares sector: education",
            "region: Northern",
        ]
        assert reasons_text([]) == ["load balancing only"]
    assert other.pk not in {p["reviewer"] for p in proposal.pairs}


def test_remove_and_add_a_pair_adjust_the_draft_and_what_is_short():
    call = make_call(applications=2, reviewers=3, per_application=1)
    proposal = reviews_propose(phase=call["phase"], by=call["staff"])
    first = proposal.pairs[0]
    proposal = proposal_pair_remove(
        proposal=proposal, application_id=first["application"], reviewer_id=first["reviewer"], by=call["staff"]
    )
    assert proposal.short == {str(first["application"]): 1}
    other = next(r for r in call["reviewers"] if r.pk != first["reviewer"])
    proposal = proposal_pair_add(
        proposal=proposal, application_id=first["application"], reviewer_id=other.pk, by=call["staff"]
    )
    assert proposal.short == {}
    assert (other.pk, first["application"]) in pairs_of(proposal)
    with pytest.raises(ValidationError):
        proposal_pair_add(
            proposal=proposal, application_id=first["application"], reviewer_id=other.pk, by=call["staff"]
        )


def test_confirm_refuses_a_stale_proposal_and_assigns_nothing():
    call = make_call(applications=3, reviewers=3, per_application=1)
    proposal = reviews_propose(phase=call["phase"], by=call["staff"])
    late = SubmittedApplicationFactory(cohort=call["cohort"], phase=call["phase"])
    assert late.pk
    with pytest.raises(ValidationError) as refused:
        reviews_confirm(proposal=proposal, by=call["staff"])
    assert refused.value.code == "stale"
    assert ReviewAssignment.objects.count() == 0
    assert OutboundEmail.objects.count() == 0


def test_confirm_refuses_a_discarded_proposal():
    call = make_call(applications=2, reviewers=2, per_application=1)
    old = reviews_propose(phase=call["phase"], by=call["staff"])
    reviews_propose(phase=call["phase"], by=call["staff"])
    old.refresh_from_db()
    assert old.status == ProposalStatus.DISCARDED
    with pytest.raises(ValidationError):
        reviews_confirm(proposal=old, by=call["staff"])


def test_confirm_emails_each_reviewer_their_list_once_and_a_second_confirm_sends_nothing():
    call = make_call(applications=5, reviewers=3, per_application=2, blind=True)
    proposal = reviews_propose(phase=call["phase"], by=call["staff"])
    assert OutboundEmail.objects.count() == 0
    done = reviews_confirm(proposal=proposal, by=call["staff"])
    assert done.created == 10
    assert done.emailed == 3
    emails = list(OutboundEmail.objects.filter(template="cohorts/reviews_assigned"))
    assert sorted(e.recipient_user_id for e in emails) == sorted(r.pk for r in call["reviewers"])
    loads = loads_of(proposal, call["reviewers"])
    for email in emails:
        assert email.body_text.count("\n- ") == loads[email.recipient_user_id]
        for app in call["apps"]:  # blind phase: no applicant name or organisation
            assert app.applicant.full_name not in email.body_text
            assert app.organisation.name not in email.body_text
            assert app.applicant.email not in email.body_text
        mine = ReviewAssignment.objects.filter(reviewer_id=email.recipient_user_id, phase=call["phase"])
        for review in mine:
            assert application_pseudonym(review.application_id) in email.body_text
        assert "/review/" in email.body_text
    again = reviews_confirm(proposal=proposal, by=call["staff"])
    assert again.already is True
    assert OutboundEmail.objects.filter(template="cohorts/reviews_assigned").count() == 3
    assert ReviewAssignment.objects.count() == 10
    for app in call["apps"]:
        app.refresh_from_db()
        assert app.status == ApplicationStatus.UNDER_REVIEW


def test_conflict_alerts_program_staff_once_with_the_least_loaded_eligible_replacement():
    call = make_call(applications=3, reviewers=3, per_application=1)
    phase, apps, (busy, declarer, free), staff = call["phase"], call["apps"], call["reviewers"], call["staff"]
    other_program_staff = UserFactory()
    staff_grant_program_role(user=other_program_staff, program=ProgramFactory())
    review = review_assign(application=apps[0], reviewer=declarer, by=staff, phase=phase)
    review_assign(application=apps[1], reviewer=busy, by=staff, phase=phase)
    review_assign(application=apps[2], reviewer=busy, by=staff, phase=phase)
    candidates = replacement_candidates(review=review)
    assert [c.user for c in candidates] == [free, busy]

    review_declare_conflict(review=review, reason="รู้จักผู้สมัครเป็นการส่วนตัว", by=declarer)
    review.refresh_from_db()
    review_declare_conflict(review=review, reason="รู้จักผู้สมัครเป็นการส่วนตัว", by=declarer)
    alerts = list(OutboundEmail.objects.filter(template="cohorts/review_conflict"))
    assert [a.recipient_user_id for a in alerts] == [staff.pk]
    assert free.get_full_name() in alerts[0].body_text
    assert f"/staff/reviews/{review.pk}/replace/" in alerts[0].body_text
    # The declarer is never a candidate again, and the replacement is assigned in one step.
    assert declarer.pk not in {c.user.pk for c in replacement_candidates(review=review)}
    new = review_replace(review=review, reviewer=free, by=staff)
    assert (new.application_id, new.reviewer_id, new.phase_id) == (apps[0].pk, free.pk, phase.pk)
    with pytest.raises(ValidationError):
        review_replace(review=review, reviewer=declarer, by=staff)


def test_conflict_alert_says_so_when_no_replacement_is_available():
    call = make_call(applications=1, reviewers=1, per_application=1)
    review = review_assign(
        application=call["apps"][0], reviewer=call["reviewers"][0], by=call["staff"], phase=call["phase"]
    )
    review_declare_conflict(review=review, reason="เป็นกรรมการขององค์กรนี้", by=call["reviewers"][0])
    [alert] = OutboundEmail.objects.filter(template="cohorts/review_conflict")
    assert replacement_candidates(review=review) == []
    from django.utils import translation

    with translation.override("th"):
        from django.utils.translation import gettext

        text = gettext(
            "No eligible reviewer is available to replace them: add a reviewer to the phase, then assign one here:"
        )
    assert text.split(":")[0] in alert.body_text


def test_pair_rules_replace_each_other():
    call = make_call(applications=1, reviewers=1)
    app, person = call["apps"][0], call["reviewers"][0]
    pair_rule_set(phase=call["phase"], application=app, reviewer=person, kind=PairRuleKind.FORBIDDEN, by=call["staff"])
    pair_rule_set(phase=call["phase"], application=app, reviewer=person, kind=PairRuleKind.FIXED, by=call["staff"])
    assert list(ReviewPairRule.objects.values_list("kind", flat=True)) == [PairRuleKind.FIXED]
    with pytest.raises(ValidationError):
        pair_rule_set(
            phase=call["phase"], application=app, reviewer=app.applicant, kind=PairRuleKind.FIXED, by=call["staff"]
        )


def test_expertise_is_one_row_per_reviewer():
    person = UserFactory()
    reviewer_expertise_save(user=person, track_kinds=["team"], sectors=["health"], regions=["south"], organisation=None)
    reviewer_expertise_save(user=person, track_kinds=[], sectors=["education"], regions=[], organisation=None)
    [row] = ReviewerExpertise.objects.all()
    assert (row.track_kinds, row.sectors, row.regions) == ([], ["education"], [])


def test_a_track_kind_reviewer_fits_intrapreneurs_by_their_travel_region():
    call = make_call(applications=0, reviewers=2, per_application=1)
    track = TrackFactory(cohort=call["cohort"], kind=TrackKind.INTRAPRENEUR)
    app = SubmittedApplicationFactory(
        cohort=call["cohort"], phase=call["phase"], track=track, travel_provinces=["TH-50", "TH-57", "TH-10"]
    )
    expert = call["reviewers"][1]
    reviewer_expertise_save(user=expert, track_kinds=[], sectors=[], regions=["north"], organisation=None)
    [pair] = reviews_propose(phase=call["phase"], by=call["staff"]).pairs
    assert (pair["reviewer"], pair["application"], pair["reasons"]) == (expert.pk, app.pk, [["region", ["north"]]])


def test_expertise_is_in_the_persons_data_download_and_erased_with_them():
    from cohorts import pdpa

    person = UserFactory()
    reviewer_expertise_save(user=person, track_kinds=[], sectors=["health"], regions=[], organisation=None)
    data = pdpa.personal_data(person)
    [expertise] = [section for section in data.sections if section.key == "review_expertise"]
    assert [row["sectors"] for row in expertise.rows] == [["health"]]
    pdpa.anonymise(person)
    assert not ReviewerExpertise.objects.filter(user=person).exists()


def test_expertise_refuses_values_not_in_the_lists():
    person = UserFactory()
    with pytest.raises(ValidationError):
        reviewer_expertise_save(user=person, track_kinds=[], sectors=["astrology"], regions=[], organisation=None)
    assert not ReviewerExpertise.objects.exists()
