"""Automatic reviewer assignment of a phase (the replacement after a conflict, with the same
blocks, is in `cohorts.services.conflicts`).

The invariant: a pair is **never** proposed, added, confirmed or offered as a replacement when

- the reviewer declared a conflict of interest for that application (a review in state
  "conflict" in any phase of the call),
- the reviewer is the applicant,
- the reviewer belongs to the application's organisation (their expertise names it, or they
  applied with that organisation themselves, in any call), or
- staff forbade the pair in the phase (`ReviewPairRule` "forbidden").

`assignment_inputs` is the one place that computes these blocks (`blocked`, pair -> why); every
service below goes through it. Fixed pairs (staff's rule "fixed") and the phase's existing
reviews (not in conflict) are kept and count towards N and the reviewer's load.

A proposal is stored (`ReviewProposal`) with a fingerprint of everything it was computed
from (`inputs_fingerprint`: the raw rows, the blocks included by way of the rows they derive
from); `reviews_confirm` recomputes the fingerprint under the proposal's row lock and refuses
a stale proposal, creates the reviews and queues one email per reviewer under a key of the
proposal and the reviewer, so a second confirm (or a retried request) sends nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from cohorts.enums import ApplicationStatus, PairRuleKind, ProposalStatus, ReviewState, Sector, TrackKind
from cohorts.models import (
    Application,
    Organisation,
    Phase,
    ReviewAssignment,
    ReviewerExpertise,
    ReviewPairRule,
    ReviewProposal,
)
from cohorts.selectors.blind import application_labels_for_reviewer
from cohorts.services.selection import (
    REVIEWABLE_STATUSES,
    application_set_status,
    applications_lock,
)
from incubator.assignment import Reviewer, Submission, assign_reviewers, review_fit
from incubator.geo import BY_CODE, Region
from incubator.mail import language_for, message_key, queue_mail

# Why a pair may never be assigned (the first that applies).
BLOCK_CONFLICT = "conflict"
BLOCK_OWN = "own"
BLOCK_ORGANISATION = "organisation"
BLOCK_FORBIDDEN = "forbidden"

BLOCK_TEXT = {
    BLOCK_CONFLICT: _("declared a conflict of interest"),
    BLOCK_OWN: _("their own application"),
    BLOCK_ORGANISATION: _("same organisation"),
    BLOCK_FORBIDDEN: _("forbidden by staff"),
}


# Expertise ----------------------------------------------------------------------------------


def reviewer_expertise_save(
    *, user, track_kinds: list[str], sectors: list[str], regions: list[str], organisation: Organisation | None
) -> ReviewerExpertise:
    """The reviewer's own choices (one row per person); unknown values are refused."""
    for name, values, choices in (
        ("track_kinds", track_kinds, TrackKind.choices),
        ("sectors", sectors, Sector.choices),
        ("regions", regions, Region.choices),
    ):
        if set(values) - set(_valid(values, choices)):
            raise ValidationError({name: _("Choose from the list.")})
    expertise, _created = ReviewerExpertise.objects.get_or_create(user=user)
    expertise.track_kinds = sorted(set(track_kinds))
    expertise.sectors = sorted(set(sectors))
    expertise.regions = sorted(set(regions))
    expertise.organisation = organisation
    expertise.full_clean(exclude=["user"])
    expertise.save(update_fields=["track_kinds", "sectors", "regions", "organisation", "updated_at"])
    return expertise


# The solver's input -------------------------------------------------------------------------


@dataclass
class AssignmentInputs:
    phase: Phase
    applications: list[Application]
    reviewers: list  # users, in id order
    expertise: dict[int, ReviewerExpertise]
    blocked: dict[tuple[int, int], str]  # (reviewer id, application id) -> BLOCK_*
    fixed: set[tuple[int, int]]  # staff's fixed pairs
    existing: set[tuple[int, int]]  # reviews of the phase, not in conflict
    fingerprint: str
    submissions: list[Submission] = field(default_factory=list)
    solver_reviewers: list[Reviewer] = field(default_factory=list)

    @property
    def per_application(self) -> int:
        return self.phase.reviewers_per_application


def _valid(values, choices) -> frozenset[str]:
    allowed = {value for value, _label in choices}
    return frozenset(value for value in values or [] if value in allowed)


def application_submission(application: Application) -> Submission:
    """How the solver sees an application: track kind, sectors (its own and its
    organisation's focus), region (its organisation's, else where its applicant travels most)."""
    organisation = application.organisation
    sectors = _valid(application.sectors, Sector.choices)
    region = ""
    if organisation is not None:
        sectors |= _valid(organisation.focus_areas, Sector.choices)
        region = organisation.region
    else:
        regions = Counter(BY_CODE[code].region for code in application.travel_provinces or [] if code in BY_CODE)
        if regions:
            region = sorted(regions.items(), key=lambda item: (-item[1], item[0]))[0][0]
    return Submission(
        id=application.pk,
        track=application.track.kind,
        sectors=sectors,
        region=region,
        organisation=application.organisation_id,
    )


def expertise_reviewer(user_id: int, expertise: ReviewerExpertise | None) -> Reviewer:
    if expertise is None:
        return Reviewer(id=user_id)
    return Reviewer(
        id=user_id,
        tracks=frozenset(expertise.track_kinds or []),
        sectors=_valid(expertise.sectors, Sector.choices),
        regions=_valid(expertise.regions, Region.choices),
        organisation=expertise.organisation_id,
    )


def blocks_of(*, phase: Phase | None, applications: list[Application], reviewer_ids: list[int], expertise) -> dict:
    """(reviewer id, application id) -> why the pair may never be assigned."""
    app_ids = [application.pk for application in applications]
    blocked: dict[tuple[int, int], str] = {}
    if phase is not None:
        for application_id, reviewer_id in ReviewPairRule.objects.filter(
            phase=phase, kind=PairRuleKind.FORBIDDEN, application__in=app_ids
        ).values_list("application_id", "reviewer_id"):
            blocked[(reviewer_id, application_id)] = BLOCK_FORBIDDEN
    organisations: dict[int, set[int]] = defaultdict(set)
    for applicant_id, organisation_id in Application.objects.filter(
        applicant__in=reviewer_ids, organisation__isnull=False
    ).values_list("applicant_id", "organisation_id"):
        organisations[applicant_id].add(organisation_id)
    for reviewer_id, row in expertise.items():
        if row is not None and row.organisation_id is not None:
            organisations[reviewer_id].add(row.organisation_id)
    reviewer_set = set(reviewer_ids)
    for application in applications:
        for reviewer_id in reviewer_ids:
            if application.organisation_id is not None and application.organisation_id in organisations[reviewer_id]:
                blocked[(reviewer_id, application.pk)] = BLOCK_ORGANISATION
        if application.applicant_id in reviewer_set:
            blocked[(application.applicant_id, application.pk)] = BLOCK_OWN
    for application_id, reviewer_id in ReviewAssignment.objects.filter(
        application__in=app_ids, state=ReviewState.CONFLICT
    ).values_list("application_id", "reviewer_id"):
        blocked[(reviewer_id, application_id)] = BLOCK_CONFLICT
    return blocked


def inputs_fingerprint(*, phase: Phase) -> str:
    """A hash of the raw rows a proposal of `phase` is computed from, read as plain values (no
    model instances, no blocks computed): the phase's settings, its applications, its active
    reviewers and their expertise, the phase's reviews, conflicts declared in any phase, staff's
    rules, and the organisations the reviewers applied with. The blocks are a function of these
    rows, so a change to any block changes the hash. Cheap enough for the preview page to tell a
    stale proposal without recomputing the inputs (a few value queries, no Python loop over
    reviewer x application)."""
    app_ids = Application.objects.filter(phase=phase, status__in=REVIEWABLE_STATUSES).values("pk")
    applications = [
        [pk, applicant_id, organisation_id, track_id, status, sorted(sectors or [])]
        for pk, applicant_id, organisation_id, track_id, status, sectors in Application.objects.filter(
            phase=phase, status__in=REVIEWABLE_STATUSES
        )
        .order_by("pk")
        .values_list("pk", "applicant_id", "organisation_id", "track_id", "status", "sectors")
    ]
    reviewer_ids = list(phase.reviewers.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    expertise = sorted(
        [user_id, updated_at.isoformat(), organisation_id]
        for user_id, updated_at, organisation_id in ReviewerExpertise.objects.filter(user__in=reviewer_ids).values_list(
            "user_id", "updated_at", "organisation_id"
        )
    )
    reviews = sorted(
        [a, r, p, s]
        for a, r, p, s in ReviewAssignment.objects.filter(application__in=app_ids)
        .filter(Q(phase=phase) | Q(state=ReviewState.CONFLICT))
        .values_list("application_id", "reviewer_id", "phase_id", "state")
    )
    rules = sorted(
        [a, r, k]
        for a, r, k in ReviewPairRule.objects.filter(phase=phase, application__in=app_ids).values_list(
            "application_id", "reviewer_id", "kind"
        )
    )
    own = sorted(
        {
            (applicant_id, organisation_id)
            for applicant_id, organisation_id in Application.objects.filter(
                applicant__in=reviewer_ids, organisation__isnull=False
            ).values_list("applicant_id", "organisation_id")
        }
    )
    return hashlib.sha256(
        json.dumps(
            {
                "settings": [phase.reviewers_per_application, phase.max_reviews_per_reviewer],
                "applications": applications,
                "reviewers": reviewer_ids,
                "expertise": expertise,
                "reviews": reviews,
                "rules": rules,
                "own_organisations": [list(pair) for pair in own],
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()


def assignment_inputs(*, phase: Phase) -> AssignmentInputs:
    """Everything a proposal of `phase` is computed from, with its fingerprint."""
    applications = list(
        Application.objects.filter(phase=phase, status__in=REVIEWABLE_STATUSES)
        .select_related("track", "organisation", "applicant", "cohort")
        .order_by("pk")
    )
    reviewers = list(phase.reviewers.filter(is_active=True).order_by("pk"))
    reviewer_ids = [user.pk for user in reviewers]
    expertise = {row.user_id: row for row in ReviewerExpertise.objects.filter(user__in=reviewer_ids)}
    app_ids = [application.pk for application in applications]
    reviews = list(
        ReviewAssignment.objects.filter(application__in=app_ids, phase=phase).values_list(
            "application_id", "reviewer_id", "state"
        )
    )
    existing = {(reviewer_id, app_id) for app_id, reviewer_id, state in reviews if state != ReviewState.CONFLICT}
    rules = list(
        ReviewPairRule.objects.filter(phase=phase, application__in=app_ids).values_list(
            "application_id", "reviewer_id", "kind"
        )
    )
    fixed = {(reviewer_id, app_id) for app_id, reviewer_id, kind in rules if kind == PairRuleKind.FIXED}
    blocked = blocks_of(phase=phase, applications=applications, reviewer_ids=reviewer_ids, expertise=expertise)
    fingerprint = inputs_fingerprint(phase=phase)
    return AssignmentInputs(
        phase=phase,
        applications=applications,
        reviewers=reviewers,
        expertise=expertise,
        blocked=blocked,
        fixed=fixed,
        existing=existing,
        fingerprint=fingerprint,
        submissions=[application_submission(a) for a in applications],
        solver_reviewers=[expertise_reviewer(pk, expertise.get(pk)) for pk in reviewer_ids],
    )


# Reads of the preview page (one page of applications, never all of them as instances) ------


def phase_application_ids(*, phase: Phase) -> list[int]:
    """The ids of the applications standing in `phase` (the ones a proposal covers), in id order."""
    queryset = Application.objects.filter(phase=phase, status__in=REVIEWABLE_STATUSES)
    return list(queryset.order_by("pk").values_list("pk", flat=True))


def phase_applications_by_id(*, phase: Phase, ids) -> dict[int, Application]:
    """Those of `ids` that stand in `phase`, with what their label and row show."""
    return {
        application.pk: application
        for application in Application.objects.filter(phase=phase, status__in=REVIEWABLE_STATUSES, pk__in=list(ids))
        .select_related("track", "organisation", "applicant", "cohort")
        .order_by("pk")
    }


def phase_application_find(*, phase: Phase, text: str) -> list[Application]:
    """The applications of `phase` that `text` names: its number (the id, with or without "#"),
    else a part of the applicant's name or email or of the organisation's name. At most two, so
    that the caller can tell "none", "this one" and "several"."""
    text = text.strip().removeprefix("#").strip()
    if not text:
        return []
    queryset = Application.objects.filter(phase=phase, status__in=REVIEWABLE_STATUSES).select_related(
        "applicant", "cohort"
    )
    if text.isdigit():
        return list(queryset.filter(pk=int(text))) if len(text) <= 18 else []
    return list(
        queryset.filter(
            Q(applicant__full_name__icontains=text)
            | Q(applicant__email__icontains=text)
            | Q(organisation__name__icontains=text)
        ).order_by("pk")[:2]
    )


def phase_reviewers(*, phase: Phase) -> tuple[list, dict[int, ReviewerExpertise]]:
    """The phase's active reviewers (id order) and their expertise rows."""
    reviewers = list(phase.reviewers.filter(is_active=True).order_by("pk"))
    expertise = {row.user_id: row for row in ReviewerExpertise.objects.filter(user__in=[u.pk for u in reviewers])}
    return reviewers, expertise


# Proposing and adjusting --------------------------------------------------------------------


def reasons_of(reasons) -> list:
    return [[reason.code, list(reason.values)] for reason in reasons if reason.code != "fixed"]


def reviews_propose(*, phase: Phase, by) -> ReviewProposal:
    """Run the solver for `phase` and store the proposal (earlier drafts are discarded)."""
    with transaction.atomic():
        Phase.objects.select_for_update().filter(pk=phase.pk).first()
        inputs = assignment_inputs(phase=phase)
        if not inputs.reviewers:
            raise ValidationError(
                _("This phase has no reviewers yet: add them to the phase first."), code="no_reviewers"
            )
        result = assign_reviewers(
            inputs.solver_reviewers,
            inputs.submissions,
            phase.reviewers_per_application,
            max_per_reviewer=phase.max_reviews_per_reviewer,
            blocked=set(inputs.blocked),
            fixed=inputs.fixed | inputs.existing,
        )
        pairs = [
            {
                "application": pair.application_id,
                "reviewer": pair.reviewer_id,
                "score": pair.score,
                "reasons": reasons_of(pair.reasons),
                "fixed": (pair.reviewer_id, pair.application_id) in inputs.fixed,
                "existing": (pair.reviewer_id, pair.application_id) in inputs.existing,
            }
            for pair in result.pairs
        ]
        ReviewProposal.objects.filter(phase=phase, status=ProposalStatus.DRAFT).update(status=ProposalStatus.DISCARDED)
        proposal = ReviewProposal(
            phase=phase,
            by=by,
            pairs=sorted(pairs, key=lambda p: (p["application"], p["reviewer"])),
            short={str(app_id): missing for app_id, missing in result.short.items()},
            problems=[list(problem) for problem in result.problems],
            fingerprint=inputs.fingerprint,
        )
        proposal.full_clean()
        proposal.save()
    return proposal


def _draft_locked(proposal: ReviewProposal) -> ReviewProposal:
    locked = ReviewProposal.objects.select_for_update().select_related("phase").get(pk=proposal.pk)
    if locked.status != ProposalStatus.DRAFT:
        raise ValidationError(_("This proposal is no longer a draft; run a new one."), code="not_draft")
    return locked


def _recount_short(proposal: ReviewProposal, app_ids: list[int]) -> None:
    counts = Counter(pair["application"] for pair in proposal.pairs)
    need = proposal.phase.reviewers_per_application
    proposal.short = {str(a): need - counts[a] for a in app_ids if counts[a] < need}


def proposal_pair_remove(*, proposal: ReviewProposal, application_id: int, reviewer_id: int, by) -> ReviewProposal:
    """Take one proposed pair out (not a review that exists, nor a pair staff fixed)."""
    with transaction.atomic():
        proposal = _draft_locked(proposal)
        pair = next(
            (p for p in proposal.pairs if p["application"] == application_id and p["reviewer"] == reviewer_id), None
        )
        if pair is None:
            raise ValidationError(_("That pair is not in the proposal."), code="no_pair")
        if pair["existing"]:
            raise ValidationError(_("That reviewer is already assigned; it is not part of this proposal."))
        if pair["fixed"]:
            raise ValidationError(_("Staff fixed that pair; clear the rule first."), code="fixed")
        proposal.pairs = [p for p in proposal.pairs if p is not pair]
        _recount_short(proposal, phase_application_ids(phase=proposal.phase))
        proposal.save(update_fields=["pairs", "short"])
    return proposal


def proposal_pair_add(*, proposal: ReviewProposal, application_id: int, reviewer_id: int, by) -> ReviewProposal:
    """Add a pair by hand: the application stands in the phase, the reviewer reviews in it,
    and the pair is not blocked."""
    with transaction.atomic():
        proposal = _draft_locked(proposal)
        inputs = assignment_inputs(phase=proposal.phase)
        submission = next((s for s in inputs.submissions if s.id == application_id), None)
        reviewer = next((r for r in inputs.solver_reviewers if r.id == reviewer_id), None)
        if submission is None:
            raise ValidationError({"application": _("Choose an application that stands in this phase.")})
        if reviewer is None:
            raise ValidationError({"reviewer": _("Choose one of this phase's reviewers.")})
        why = inputs.blocked.get((reviewer_id, application_id))
        if why is not None:
            raise ValidationError(
                _("That pair may never be assigned: %(why)s.") % {"why": BLOCK_TEXT[why]}, code="blocked"
            )
        if any(p["application"] == application_id and p["reviewer"] == reviewer_id for p in proposal.pairs):
            raise ValidationError(_("That pair is already in the proposal."), code="duplicate")
        score, reasons = review_fit(reviewer, submission)
        proposal.pairs = sorted(
            [
                *proposal.pairs,
                {
                    "application": application_id,
                    "reviewer": reviewer_id,
                    "score": score,
                    "reasons": reasons_of(reasons),
                    "fixed": False,
                    "existing": False,
                    "added": True,
                },
            ],
            key=lambda p: (p["application"], p["reviewer"]),
        )
        _recount_short(proposal, [a.pk for a in inputs.applications])
        proposal.save(update_fields=["pairs", "short"])
    return proposal


def pair_rule_set(*, phase: Phase, application: Application, reviewer, kind: str, by) -> ReviewPairRule:
    """Staff fix or forbid a pair in `phase` (a second rule for the pair replaces the first)."""
    if application.phase_id != phase.pk:
        raise ValidationError({"application": _("Choose an application that stands in this phase.")})
    if kind == PairRuleKind.FIXED and reviewer.pk == application.applicant_id:
        raise ValidationError(_("%(person)s cannot review their own application.") % {"person": reviewer})
    rule, _created = ReviewPairRule.objects.update_or_create(
        phase=phase, application=application, reviewer=reviewer, defaults={"kind": kind, "by": by, "at": timezone.now()}
    )
    return rule


# Confirming ---------------------------------------------------------------------------------


@dataclass
class Confirmation:
    created: int = 0
    emailed: int = 0
    already: bool = False


def reviews_assigned_mail(*, reviewer, phase: Phase, reviews: list[ReviewAssignment], key: str) -> None:
    with translation.override(language_for(reviewer)):  # a blind label in the reviewer's language
        # Blind wherever the reviewer sees the application blind (any phase), as on the pages.
        named = application_labels_for_reviewer(
            reviewer=reviewer, applications=[review.application for review in reviews]
        )
        labels = [named[review.application_id] for review in reviews]
    queue_mail(
        key=key,
        to=reviewer.email,
        user=reviewer,
        template="cohorts/reviews_assigned",
        context={
            "name": reviewer.get_full_name() or reviewer.email,
            "phase": phase,
            "cohort": phase.cohort,
            "program": phase.cohort.program,
            "count": len(reviews),
            "labels": labels,
            "deadline": phase.review_deadline,
            "review_list_url": reverse("cohorts:review_list"),
        },
        related=phase,
    )


def reviews_confirm(*, proposal: ReviewProposal, by) -> Confirmation:
    """Create the proposal's new reviews and email each reviewer their list for the phase,
    once. Refuses a proposal computed before something changed (see module docstring)."""
    with transaction.atomic():
        proposal = (
            ReviewProposal.objects.select_for_update(of=("self",))
            .select_related("phase__cohort__program")
            .get(pk=proposal.pk)
        )
        if proposal.status == ProposalStatus.CONFIRMED:
            return Confirmation(already=True)
        if proposal.status != ProposalStatus.DRAFT:
            raise ValidationError(_("This proposal was replaced by a newer one; review that one."), code="discarded")
        phase = proposal.phase
        inputs = assignment_inputs(phase=phase)
        if inputs.fingerprint != proposal.fingerprint:
            raise ValidationError(
                _(
                    "Something changed since this proposal was made (applications, reviewers, rules, "
                    "conflicts or assignments). Run the proposal again; nothing was assigned."
                ),
                code="stale",
            )
        new = [(p["application"], p["reviewer"]) for p in proposal.pairs if not p["existing"]]
        if any(inputs.blocked.get((reviewer_id, app_id)) for app_id, reviewer_id in new):
            raise ValidationError(_("The proposal holds a pair that may never be assigned."), code="blocked")
        users = {user.pk: user for user in inputs.reviewers}
        locked = {application.pk: application for application in applications_lock({a for a, _r in new})}
        refused = [a for a in locked.values() if a.status not in REVIEWABLE_STATUSES or a.phase_id != phase.pk]
        if refused or len(locked) != len({a for a, _r in new}):
            raise ValidationError(_("Something changed since this proposal was made. Run it again."), code="stale")
        now = timezone.now()
        created = ReviewAssignment.objects.bulk_create(
            [
                ReviewAssignment(
                    application=locked[app_id],
                    reviewer=users[reviewer_id],
                    phase=phase,
                    assigned_by=by,
                    assigned_at=now,
                )
                for app_id, reviewer_id in new
            ]
        )
        for application in locked.values():
            if application.status == ApplicationStatus.SUBMITTED:
                application_set_status(
                    application=application, status=ApplicationStatus.UNDER_REVIEW, by=by, update_fields=[]
                )
        proposal.status = ProposalStatus.CONFIRMED
        proposal.confirmed_at = now
        proposal.save(update_fields=["status", "confirmed_at"])
        got_new = {review.reviewer_id for review in created}
        lists = defaultdict(list)
        for review in (
            ReviewAssignment.objects.filter(phase=phase, reviewer__in=got_new)
            .exclude(state=ReviewState.CONFLICT)
            .select_related("application__applicant", "application__cohort")
            .order_by("reviewer_id", "application_id")
        ):
            lists[review.reviewer_id].append(review)
        for reviewer_id in sorted(got_new):
            reviews_assigned_mail(
                reviewer=users[reviewer_id],
                phase=phase,
                reviews=lists[reviewer_id],
                key=message_key("reviews-assigned", proposal.pk, reviewer_id),
            )
    return Confirmation(created=len(created), emailed=len(got_new))


# Reasons in words ---------------------------------------------------------------------------


def reasons_text(reasons: list, *, fixed: bool = False, existing: bool = False) -> list[str]:
    """A pair's stored reasons ([code, values] lists) in the reader's language."""
    from django.utils.translation import gettext, ngettext

    sectors = dict(Sector.choices)
    regions = dict(Region.choices)
    tracks = dict(TrackKind.choices)
    words = []
    if existing:
        words.append(gettext("already assigned"))
    if fixed:
        words.append(gettext("fixed by staff"))
    for code, values in reasons or []:
        if code == "track":
            words.append(gettext("track kind: %(track)s") % {"track": tracks.get(values[0], values[0])})
        elif code == "sectors":
            names = ", ".join(str(sectors.get(value, value)).lower() for value in values)
            words.append(
                ngettext("shares sector: %(sectors)s", "shares sectors: %(sectors)s", len(values)) % {"sectors": names}
            )
        elif code == "region":
            words.append(gettext("region: %(region)s") % {"region": regions.get(values[0], values[0])})
    if not reasons and not existing and not fixed:
        words.append(gettext("load balancing only"))
    return words
