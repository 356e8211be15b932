"""Matching a cohort's coaches with its organisations, and the life of a match.

`matching_run` proposes (replacing earlier proposals; confirmed matches stand and use up
their coach's capacity), `match_change` sets another coach for an organisation's proposal,
`match_confirm` confirms and emails both sides through the outbox, `match_end` ends with a
reason. Every change is in the match's history (simple-history, with the reason).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.enums import MatchStatus, PairRuleKind, PreferenceSide
from coaching.models import (
    CoachProfile,
    ConflictOfInterest,
    Match,
    MatchingRun,
    Milestone,
    PairRule,
    PlanGoal,
    Preference,
    RelationshipPlan,
)
from cohorts.enums import ParticipantRole
from cohorts.models import Cohort, Organisation, Participant
from incubator import assignment as matching
from incubator.geo import region_of
from incubator.mail import Message, message_key, queue_mail_bulk
from incubator.validators import history_reason

# The language spoken beside Thai in a region: an organisation there is easier to coach in it.
REGION_LANGUAGE = {"north": "nod", "northeast": "tts", "south": "sou"}
LIVE = (MatchStatus.PROPOSED, MatchStatus.CONFIRMED)


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", (text or "").lower()).strip()


@dataclass
class MatchingInputs:
    coaches: list[matching.Coach]
    organisations: list[matching.Organisation]
    rules: matching.Rules
    profiles: dict[int, CoachProfile]
    organisation_rows: dict[int, Organisation]
    confirmed_organisations: set[int]


def cohort_organisations(cohort: Cohort):
    """Organisations whose leader takes part in the cohort."""
    return Organisation.objects.filter(
        pk__in=Participant.objects.filter(
            cohort=cohort, role=ParticipantRole.ORGANISATION_LEADER, is_active=True, organisation__isnull=False
        ).values("organisation_id")
    ).order_by("name", "pk")


def cohort_coaches(cohort: Cohort):
    return CoachProfile.objects.filter(cohorts=cohort, is_active=True).select_related("user").order_by("pk")


def matching_inputs(*, cohort: Cohort) -> MatchingInputs:
    """Everything the solver needs for a cohort, in a fixed number of queries."""
    profiles = {p.pk: p for p in cohort_coaches(cohort)}
    orgs = {o.pk: o for o in cohort_organisations(cohort)}
    confirmed = Match.objects.filter(status=MatchStatus.CONFIRMED, coach_id__in=profiles)
    load = Counter(confirmed.values_list("coach_id", flat=True))
    confirmed_orgs = set(
        confirmed.filter(cohort=cohort, organisation_id__in=orgs).values_list("organisation_id", flat=True)
    )
    coaches = [
        matching.Coach(
            id=p.pk,
            capacity=max(0, p.capacity - load.get(p.pk, 0)),
            skills=frozenset(p.skills or []),
            sectors=frozenset(p.sectors or []),
            languages=frozenset(p.languages or []) | {"th"},
            province=p.home_province,
            region=region_of(p.home_province) if p.home_province else "",
            travel_provinces=frozenset(p.travel_provinces or []),
        )
        for p in profiles.values()
    ]
    organisations = [
        matching.Organisation(
            id=o.pk,
            needs=frozenset(o.needs or []),
            sectors=frozenset(o.focus_areas or []),
            languages=frozenset({"th", REGION_LANGUAGE.get(o.region, "th")}),
            province=o.province,
            region=o.region,
        )
        for o in orgs.values()
        if o.pk not in confirmed_orgs
    ]
    rules = matching.Rules()
    for rule in PairRule.objects.filter(cohort=cohort):
        target = rules.fixed if rule.kind == PairRuleKind.FIXED else rules.blocked
        target.add((rule.coach_id, rule.organisation_id))
    rules.blocked |= set(
        ConflictOfInterest.objects.filter(coach_id__in=profiles, organisation_id__in=orgs).values_list(
            "coach_id", "organisation_id"
        )
    )
    by_name = {}
    for org in orgs.values():
        by_name.setdefault(_norm(org.name), []).append(org.pk)
    for profile in profiles.values():  # working for the organisation is a conflict, declared or not
        for org_id in by_name.get(_norm(profile.employer), []) if profile.employer else []:
            rules.blocked.add((profile.pk, org_id))
    for pref in Preference.objects.filter(cohort=cohort):
        target = rules.coach_ranks if pref.side == PreferenceSide.COACH else rules.organisation_ranks
        target[(pref.coach_id, pref.organisation_id)] = pref.rank
    return MatchingInputs(coaches, organisations, rules, profiles, orgs, confirmed_orgs)


def _reasons_json(reasons) -> list:
    return [[reason.code, list(reason.values)] for reason in reasons]


@transaction.atomic
def matching_run(*, cohort: Cohort, by) -> MatchingRun:
    """Propose coaches for the cohort's organisations that have no confirmed coach."""
    Cohort.objects.select_for_update().filter(pk=cohort.pk).first()
    inputs = matching_inputs(cohort=cohort)
    result = matching.solve(inputs.coaches, inputs.organisations, inputs.rules)
    Match.objects.filter(cohort=cohort, status=MatchStatus.PROPOSED).delete()
    run = MatchingRun.objects.create(
        cohort=cohort, created_by=by, total_score=round(result.total, 2), unassigned_organisations=result.unassigned
    )
    now = timezone.now()
    Match.objects.bulk_create(
        [
            Match(
                cohort=cohort,
                coach_id=pair.coach_id,
                organisation_id=pair.organisation_id,
                status=MatchStatus.PROPOSED,
                score=pair.score,
                reasons=_reasons_json(pair.reasons),
                run=run,
                proposed_at=now,
            )
            for pair in result.pairs
        ]
    )
    return run


def unassigned_message(run: MatchingRun) -> str:
    """ "More organisations than coach capacity": who is left without a coach, by name."""
    if not run.unassigned_organisations:
        return ""
    names = list(
        Organisation.objects.filter(pk__in=run.unassigned_organisations).order_by("name").values_list("name", flat=True)
    )
    return _(
        "%(count)d organisations are left without a coach (not enough coach capacity or every "
        "coach has a conflict): %(names)s. Add coaches, raise a coach's capacity or change a pair."
    ) % {"count": len(names), "names": ", ".join(names)}


def _blocked(*, cohort: Cohort, coach: CoachProfile, organisation: Organisation) -> str:
    if PairRule.objects.filter(
        cohort=cohort, coach=coach, organisation=organisation, kind=PairRuleKind.FORBIDDEN
    ).exists():
        return _("Staff forbade this pair.")
    if ConflictOfInterest.objects.filter(coach=coach, organisation=organisation).exists():
        return _("This coach has a conflict of interest with this organisation.")
    if coach.employer and _norm(coach.employer) == _norm(organisation.name):
        return _("This coach works for this organisation.")
    return ""


@transaction.atomic
def match_change(*, cohort: Cohort, organisation: Organisation, coach: CoachProfile, by) -> Match:
    """Staff set `coach` for the organisation's proposal (or propose one where there was none)."""
    live = Match.objects.select_for_update().filter(cohort=cohort, organisation=organisation, status__in=LIVE).first()
    if live is not None and live.status == MatchStatus.CONFIRMED:
        raise ValidationError(_("This organisation's match is confirmed; end it before choosing another coach."))
    if not coach.cohorts.filter(pk=cohort.pk).exists() or not coach.is_active:
        raise ValidationError(_("This coach does not coach in this cohort."))
    reason = _blocked(cohort=cohort, coach=coach, organisation=organisation)
    if reason:
        raise ValidationError(reason)
    load = Match.objects.filter(coach=coach).filter(
        Q(status=MatchStatus.CONFIRMED) | Q(status=MatchStatus.PROPOSED, cohort=cohort)
    )
    if live is not None:
        load = load.exclude(pk=live.pk)
    if load.count() >= coach.capacity:
        raise ValidationError(
            _("%(coach)s is already at capacity (%(capacity)d organisations).")
            % {"coach": coach, "capacity": coach.capacity}
        )
    inputs = matching_inputs(cohort=cohort)
    org = next((o for o in inputs.organisations if o.id == organisation.pk), None)
    coach_in = next((c for c in inputs.coaches if c.id == coach.pk), None)
    score, reasons = (0.0, ())
    if org is not None and coach_in is not None:
        score, reasons = matching.pair_fit(coach_in, org, inputs.rules)
    if live is None:
        live = Match(cohort=cohort, organisation=organisation, status=MatchStatus.PROPOSED)
    live.coach = coach
    live.score = score
    live.reasons = _reasons_json(reasons)
    live._change_reason = "changed by staff"
    live._history_user = by
    live.full_clean()
    live.save()
    return live


def leaders_of(match: Match):
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            participations__cohort_id=match.cohort_id,
            participations__organisation_id=match.organisation_id,
            participations__role=ParticipantRole.ORGANISATION_LEADER,
            participations__is_active=True,
            is_active=True,
        )
        .distinct()
    )


@transaction.atomic
def match_confirm(*, match: Match, by) -> Match:
    """Confirm a proposal; its plan is opened and the coach and the leaders are emailed."""
    match = (
        Match.objects.select_for_update()
        .select_related("cohort__program", "coach__user", "organisation")
        .get(pk=match.pk)
    )
    if match.status != MatchStatus.PROPOSED:
        raise ValidationError(_("Only a proposed match can be confirmed."))
    match.status = MatchStatus.CONFIRMED
    match.confirmed_at = timezone.now()
    match.confirmed_by = by
    match._change_reason = "confirmed"
    match._history_user = by
    match.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    RelationshipPlan.objects.get_or_create(match=match)
    coach = match.coach.user
    leaders = list(leaders_of(match))
    context = {
        "cohort_name": match.cohort.name,
        "program_name": match.cohort.program.display_name,
        "organisation_name": match.organisation.name,
        "coach_name": coach.get_full_name(),
        "coach_email": coach.email,
        "leader_names": ", ".join(leader.get_full_name() for leader in leaders),
        "workspace_path": "/coaching/",
    }
    messages = [
        Message(
            key=message_key("coaching-match-confirmed", match.pk, "coach", coach.pk),
            user=coach,
            template="coaching/match_confirmed_coach",
            context={**context, "recipient_name": coach.get_full_name()},
            related=match,
        )
    ]
    messages += [
        Message(
            key=message_key("coaching-match-confirmed", match.pk, "leader", leader.pk),
            user=leader,
            template="coaching/match_confirmed_leader",
            context={**context, "recipient_name": leader.get_full_name()},
            related=match,
        )
        for leader in leaders
    ]
    queue_mail_bulk(messages)
    return match


def matches_confirm_all(*, cohort: Cohort, by) -> int:
    done = 0
    for match in Match.objects.filter(cohort=cohort, status=MatchStatus.PROPOSED).order_by("pk"):
        match_confirm(match=match, by=by)
        done += 1
    return done


@transaction.atomic
def match_end(*, match: Match, by, reason: str) -> Match:
    match = Match.objects.select_for_update().get(pk=match.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the match ends.")})
    if match.status == MatchStatus.ENDED:
        raise ValidationError(_("This match has already ended."))
    match.status = MatchStatus.ENDED
    match.ended_at = timezone.now()
    match.ended_reason = reason
    match._change_reason = history_reason(reason)
    match._history_user = by
    match.save(update_fields=["status", "ended_at", "ended_reason"])
    return match


def plan_goal_add(*, plan: RelationshipPlan, by, after_workshop: int, text: str) -> PlanGoal:
    goal = PlanGoal(plan=plan, set_by=by, after_workshop=after_workshop, text=(text or "").strip())
    goal.full_clean()
    goal.save()
    return goal


def milestone_add(*, plan: RelationshipPlan, title: str, due_on) -> Milestone:
    milestone = Milestone(plan=plan, title=(title or "").strip(), due_on=due_on)
    milestone.full_clean()
    milestone.save()
    return milestone


@transaction.atomic
def preferences_set(*, cohort: Cohort, side: str, coach: CoachProfile | None, organisation: Organisation | None,
                    ranks: dict[int, int | None]) -> int:  # fmt: skip
    """Replace one person's ranking: a coach ranks organisations (`coach` given, `ranks` by
    organisation id) or a leader ranks coaches (`organisation` given, `ranks` by coach id).
    A rank may be given once (1 = first choice); None leaves the other side unranked."""
    given = [rank for rank in ranks.values() if rank]
    if len(given) != len(set(given)):
        raise ValidationError(_("Give each rank once."))
    if side == PreferenceSide.COACH:
        Preference.objects.filter(cohort=cohort, side=side, coach=coach).delete()
        rows = [Preference(cohort=cohort, side=side, coach=coach, organisation_id=other, rank=rank)
                for other, rank in ranks.items() if rank]  # fmt: skip
    else:
        Preference.objects.filter(cohort=cohort, side=side, organisation=organisation).delete()
        rows = [Preference(cohort=cohort, side=side, coach_id=other, organisation=organisation, rank=rank)
                for other, rank in ranks.items() if rank]  # fmt: skip
    Preference.objects.bulk_create(rows)
    return len(rows)
