"""`manage.py seed_demo`: a believable cohorts dataset, and a second run changes nothing."""

from collections import Counter
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from cohorts.enums import ApplicationStatus, CohortStatus, ParticipantRole, PhaseKind, ReviewState, TrackKind
from cohorts.models import (
    Answer,
    Application,
    Cohort,
    Criterion,
    Organisation,
    Participant,
    PendingDecision,
    Program,
    Question,
    ReviewAssignment,
    Score,
)
from incubator.demo import DEMO_PASSWORD
from incubator.models import EmailTemplate, OutboundEmail, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo", stdout=StringIO())


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _rows() -> dict[str, list[dict]]:
    return {model._meta.label: list(model._default_manager.order_by("pk").values()) for model in apps.get_models()}


def test_seed_demo_twice_changes_no_row_of_any_model(seeded):
    counts, rows = _row_counts(), _rows()

    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert _row_counts() == counts
    assert _rows() == rows
    assert "applicant@incubator.local" in out.getvalue()


def test_seed_demo_cohorts_in_every_state_with_tracks_questions_and_rubrics(seeded):
    states = dict(Cohort.objects.values_list("slug", "status"))
    programs = dict(Cohort.objects.values_list("slug", "program__slug"))

    assert set(states.values()) == set(CohortStatus.values)
    assert set(programs.values()) == {"intrapreneur-for-change", "social-incubator"}
    assert states["ifc-2027"] == CohortStatus.OPEN
    assert Cohort.objects.get(slug="ifc-2027").is_accepting()
    for cohort in Cohort.objects.all():
        kinds = set(cohort.tracks.values_list("kind", flat=True))
        expected = {TrackKind.ORGANISATION, TrackKind.INTRAPRENEUR}
        if cohort.program.slug == "social-incubator":
            expected = {TrackKind.TEAM, TrackKind.ORGANISATION}
        assert kinds == expected, cohort.slug
    open_cohort = Cohort.objects.get(slug="ifc-2027")
    assert len(set(Question.objects.filter(cohort=open_cohort).values_list("kind", flat=True))) >= 5
    weights = list(Criterion.objects.filter(cohort=open_cohort, phase__kind="review").values_list("weight", flat=True))
    assert 3 <= len(weights) <= 4
    assert len(set(weights)) > 1


def test_seed_demo_applications_in_every_status_and_a_draft_for_the_demo_applicant(seeded):
    statuses = set(Application.objects.values_list("status", flat=True))
    names = list(Application.objects.values_list("applicant__full_name", flat=True))

    assert statuses == set(ApplicationStatus.values)
    assert sum(any("\u0e00" <= char <= "\u0e7f" for char in name) for name in names) >= len(names) - 1
    assert Application.objects.filter(applicant__email__endswith="@incubator.local").count() == len(names)
    demo_draft = Application.objects.get(applicant__email="applicant@incubator.local", cohort__slug="ifc-2027")
    assert demo_draft.status == ApplicationStatus.DRAFT
    assert demo_draft.submitted_at is None


def test_seed_demo_applications_have_a_believable_history_and_answers(seeded):
    accepted = Application.objects.filter(status=ApplicationStatus.ACCEPTED).first()
    steps = list(accepted.history.order_by("history_date", "history_id").values_list("status", flat=True))
    now = timezone.now()

    assert steps == ["draft", "submitted", "under_review", "shortlisted", "accepted"]
    for application in Application.objects.exclude(status=ApplicationStatus.DRAFT):
        assert application.submitted_at < application.cohort.applications_close_at
        assert application.submitted_at < now
        assert application.consent_version == application.cohort.privacy_notice_version
    assert not Application.objects.filter(decided_at__gt=now).exists()
    assert not Application.objects.filter(withdrawn_at__gt=now).exists()
    submitted = Application.objects.get(applicant__email="anan.k@incubator.local", cohort__slug="ifc-2027")
    required = Question.objects.filter(cohort=submitted.cohort, required=True).exclude(
        track__kind=TrackKind.INTRAPRENEUR
    )
    answered = set(Answer.objects.filter(application=submitted).values_list("question_id", flat=True))
    assert set(required.values_list("pk", flat=True)) <= answered


def test_seed_demo_applicants_log_in_and_organisations_span_the_regions(seeded):
    applicants = User.objects.filter(applications__isnull=False).distinct()

    assert applicants.count() >= 20
    for user in applicants:
        assert user.check_password(DEMO_PASSWORD)
        assert EmailAddress.objects.filter(user=user, email=user.email, verified=True, primary=True).exists()
    regions = set(Organisation.objects.values_list("region", flat=True))
    assert regions >= {"north", "northeast", "central", "east", "west", "south"}
    assert not Application.objects.filter(track__kind=TrackKind.ORGANISATION, organisation__isnull=True).exists()


def test_seed_demo_reviews_with_scores_and_participants_for_the_accepted(seeded):
    states = Counter(ReviewAssignment.objects.values_list("reviewer__email", "state"))

    for email in ("reviewer@incubator.local", "reviewer2@incubator.local"):
        assert states[(email, ReviewState.COMPLETED)] >= 3
        assert states[(email, ReviewState.PENDING)] >= 1
    assert states[("reviewer2@incubator.local", ReviewState.CONFLICT)] == 1
    for review in ReviewAssignment.objects.filter(state=ReviewState.COMPLETED):
        criteria = Criterion.objects.filter(cohort=review.application.cohort, phase=review.phase_id).count()
        assert Score.objects.filter(review=review).count() == criteria
    assert not Score.objects.filter(review__state=ReviewState.PENDING).exists()
    accepted = Application.objects.filter(status=ApplicationStatus.ACCEPTED)
    assert accepted.count() >= 5
    for application in accepted:
        assert application.participant.cohort == application.cohort
        assert application.participant.user == application.applicant
    running = Participant.objects.filter(cohort__status=CohortStatus.RUNNING)
    assert set(running.values_list("user__email", "role")) >= {
        ("coach@incubator.local", ParticipantRole.INTRAPRENEUR),
        ("leader@incubator.local", ParticipantRole.ORGANISATION_LEADER),
    }


def test_seed_demo_objects_are_valid_and_no_email_is_queued(seeded):
    for model in (
        Cohort,
        Organisation,
        Question,
        Criterion,
        Application,
        ReviewAssignment,
        Score,
        Participant,
        PendingDecision,
    ):
        for obj in model.objects.all():
            obj.full_clean()
    assert not OutboundEmail.objects.filter(template__startswith="cohorts/").exists()


def test_demo_program_staff_can_run_their_program_in_the_admin(seeded, client):
    client.force_login(User.objects.get(email="programstaff@incubator.local"))
    response = client.get("/admin/cohorts/application/")
    assert response.status_code == 200
    listed = {application.cohort.program.slug for application in response.context["cl"].result_list}
    assert listed == {"intrapreneur-for-change"}


def test_demo_has_staged_decisions_the_program_staff_can_open(seeded, client):
    staged = list(PendingDecision.objects.select_related("cohort"))
    assert sorted(p.status for p in staged) == sorted(
        [ApplicationStatus.ACCEPTED, ApplicationStatus.WAITLISTED, ApplicationStatus.REJECTED]
    )
    client.force_login(User.objects.get(email="incubatorstaff@incubator.local"))

    response = client.get(f"/staff/cohorts/{staged[0].cohort_id}/decisions/")

    assert response.status_code == 200
    assert response.context["staged_total"] == 3


def test_seed_demo_gives_every_demo_reviewer_an_expertise(seeded):
    from cohorts.models import ReviewerExpertise

    # Every reviewer of a scored round (the interview panels are the programs' staff).
    reviewers = set(
        ReviewAssignment.objects.exclude(phase__kind=PhaseKind.INTERVIEW).values_list("reviewer_id", flat=True)
    )
    assert reviewers
    assert set(ReviewerExpertise.objects.values_list("user_id", flat=True)) == reviewers


def test_seed_demo_rewords_the_social_incubators_acceptance_email_in_thai(seeded):
    program = Program.objects.get(slug="social-incubator")

    override = EmailTemplate.objects.get(scope=f"program:{program.pk}")
    assert (override.name, override.language) == ("cohorts/decision_accepted", "th")


def test_seed_demo_open_and_closed_calls_select_in_four_phases(seeded):
    for slug in ("ifc-2027", "si-2026"):
        cohort = Cohort.objects.get(slug=slug)
        phases = list(cohort.phases.order_by("order"))
        assert [phase.kind for phase in phases] == ["screening", "review", "interview", "decision"]
        assert [phase.is_blind for phase in phases] == [False, True, False, False]
        for phase in phases[:3]:
            assert phase.criteria.exists(), (slug, phase.kind)
        assert all(phase.starts_at < phase.ends_at for phase in phases)
        handed_in = cohort.applications.exclude(status=ApplicationStatus.DRAFT)
        assert not handed_in.filter(phase=None).exists()
        assert not cohort.applications.filter(status=ApplicationStatus.DRAFT).exclude(phase=None).exists()
        # The blind round's reviewers, and the interview panel (the program's staff) in the interview phase.
        assert not ReviewAssignment.objects.filter(application__cohort=cohort).exclude(phase__in=phases[1:3]).exists()
    assert not Cohort.objects.get(slug="ifc-2026").phases.exists()  # a call without phases stays as it was
