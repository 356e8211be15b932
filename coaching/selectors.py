"""Reads shared by views, tasks and benchmarks, scoped to the person asking.

Every `*_get_for_user` answers 404 for what the user may not see (coaching.rules says who
sees what; the same rules are written here as querysets, so a check costs no extra query).
They own select_related/prefetch_related, so a page costs the same queries for 1 row or many.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils.module_loading import import_string

from coaching.enums import OPEN_ACTION_STATUSES, MatchStatus, VisitStatus
from coaching.models import ActionItem, CoachProfile, Match, Milestone, PlanGoal, ResearcherAccess, Visit, VisitPhoto
from cohorts.access import program_ids_for_staff
from cohorts.enums import ParticipantRole
from cohorts.models import Cohort, Participant


def _leads(user, match_path: str = "") -> Exists:
    prefix = f"{match_path}__" if match_path else ""
    return Exists(
        Participant.objects.filter(
            user=user,
            role=ParticipantRole.ORGANISATION_LEADER,
            is_active=True,
            cohort_id=OuterRef(f"{prefix}cohort_id"),
            organisation_id=OuterRef(f"{prefix}organisation_id"),
        )
    )


def _staff_q(user, program_path: str) -> Q | None:
    """Q for "in the user's programs"; Q() for superusers; None when not staff."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return None
    program_ids = program_ids_for_staff(user=user)
    if program_ids is None:
        return Q()
    return Q(**{f"{program_path}__in": program_ids}) if program_ids else None


def matches_visible_to(user) -> QuerySet[Match]:
    if not user.is_authenticated:
        return Match.objects.none()
    q = (Q(coach__user=user) & ~Q(status=MatchStatus.PROPOSED)) | (Q(status=MatchStatus.CONFIRMED) & _leads(user))
    staff = _staff_q(user, "cohort__program_id")
    if staff is not None:
        q = q | staff if staff else Q()
    return Match.objects.filter(q)


def _match_related(queryset: QuerySet[Match]) -> QuerySet[Match]:
    return queryset.select_related("cohort__program", "organisation", "coach__user", "plan").prefetch_related(
        Prefetch("plan__goals", queryset=PlanGoal.objects.order_by("after_workshop", "pk")),
        Prefetch("plan__milestones", queryset=Milestone.objects.order_by("due_on", "pk")),
        Prefetch(
            "actions",
            queryset=ActionItem.objects.filter(status__in=OPEN_ACTION_STATUSES).order_by("due_on", "pk"),
            to_attr="open_actions",
        ),
    )


def _with_last_visit(queryset: QuerySet[Match]) -> QuerySet[Match]:
    last = Visit.objects.filter(match=OuterRef("pk"), status=VisitStatus.SUBMITTED).order_by("-visited_on", "-pk")
    return queryset.annotate(
        last_visit_id=Subquery(last.values("pk")[:1]),
        last_visit_on=Subquery(last.values("visited_on")[:1]),
        last_visit_next_on=Subquery(last.values("next_visit_on")[:1]),
    )


def attach_leaders(matches: list[Match]) -> None:
    """`match.leaders`: the organisation's leaders in the match's cohort, in one query."""
    if not matches:
        return
    rows = Participant.objects.filter(
        role=ParticipantRole.ORGANISATION_LEADER,
        is_active=True,
        cohort_id__in={m.cohort_id for m in matches},
        organisation_id__in={m.organisation_id for m in matches},
    ).select_related("user")
    by_key: dict[tuple[int, int], list] = {}
    for row in rows:
        by_key.setdefault((row.cohort_id, row.organisation_id), []).append(row.user)
    for match in matches:
        match.leaders = by_key.get((match.cohort_id, match.organisation_id), [])


def next_workshops(cohort_ids: set[int]) -> dict[int, object]:
    """The cohort's next workshop, through a hook: `settings.COACHING_NEXT_WORKSHOP_SELECTOR`
    names a callable `(cohort_ids) -> {cohort_id: workshop}` (the workshop needs `__str__` and
    may have `starts_at`/`starts_on`). Unset (coaching does not import workshops): nothing shown."""
    path = getattr(settings, "COACHING_NEXT_WORKSHOP_SELECTOR", "")
    if not path or not cohort_ids:
        return {}
    return import_string(path)(sorted(cohort_ids))


@dataclass
class Workspace:
    coached: list[Match]  # pairs the user coaches
    led: list[Match]  # pairs of the organisations the user leads
    next_workshop: dict[int, object]
    is_researcher: bool


def workspace_for(user) -> Workspace:
    """The coach's and leader's home: their live pairs with plan, leaders, last visit and open actions."""
    matches = list(
        _with_last_visit(
            _match_related(
                Match.objects.filter((Q(coach__user=user) | _leads(user)) & Q(status=MatchStatus.CONFIRMED)).order_by(
                    "organisation__name", "pk"
                )
            )
        )
    )
    attach_leaders(matches)
    coached = [m for m in matches if m.coach.user_id == user.pk]
    led = [m for m in matches if m.coach.user_id != user.pk]
    return Workspace(
        coached=coached,
        led=led,
        next_workshop=next_workshops({m.cohort_id for m in matches}),
        is_researcher=ResearcherAccess.objects.filter(user=user).exists() or user.is_staff,
    )


def match_get_for_user(user, pk: int) -> Match:
    match = _with_last_visit(_match_related(matches_visible_to(user).filter(pk=pk))).first()
    if match is None:
        raise Http404("No such match.")
    attach_leaders([match])
    return match


def match_get_for_coach(user, pk: int) -> Match:
    """A confirmed pair the user coaches (to log a visit); 404 otherwise."""
    if not user.is_authenticated:
        raise Http404("No such match.")
    match = (
        Match.objects.select_related("cohort", "organisation", "coach__user", "plan")
        .filter(pk=pk, coach__user=user, status=MatchStatus.CONFIRMED)
        .first()
    )
    if match is None:
        raise Http404("No such match.")
    return match


def visits_visible_to(user) -> QuerySet[Visit]:
    if not user.is_authenticated:
        return Visit.objects.none()
    submitted = Q(status=VisitStatus.SUBMITTED)
    q = (Q(author=user, match__coach__user=user) & ~Q(match__status=MatchStatus.PROPOSED)) | (
        submitted & Q(shared_with_leader=True, match__status=MatchStatus.CONFIRMED) & _leads(user, "match")
    )
    q |= submitted & Q(match__cohort_id__in=ResearcherAccess.objects.filter(user=user).values("cohort_id"))
    staff = _staff_q(user, "match__cohort__program_id")
    if staff is not None:
        q = q | staff if staff else Q()
    return Visit.objects.filter(q)


def visit_get_for_user(user, pk: int) -> Visit:
    visit = (
        visits_visible_to(user)
        .filter(pk=pk)
        .select_related("match__cohort__program", "match__organisation", "match__coach__user", "author", "milestone")
        .prefetch_related(
            Prefetch("photos", queryset=VisitPhoto.objects.order_by("pk")),
            Prefetch("actions", queryset=ActionItem.objects.order_by("due_on", "pk")),
        )
        .first()
    )
    if visit is None:
        raise Http404("No such visit.")
    return visit


def visits_for_match(match: Match, *, user) -> QuerySet[Visit]:
    return visits_visible_to(user).filter(match=match).select_related("author").order_by("-visited_on", "-pk")


def photo_get_by_file_for_user(user, *, name: str) -> VisitPhoto:
    """The photo stored as `name`, if `user` may read its visit; 404 otherwise."""
    if not (user.is_authenticated and user.is_active) or not name:
        raise Http404("No such photo.")
    photo = VisitPhoto.objects.filter(image=name, visit__in=visits_visible_to(user)).first()
    if photo is None:
        raise Http404("No such photo.")
    return photo


def photo_get_for_user(user, pk: int) -> VisitPhoto:
    photo = VisitPhoto.objects.filter(pk=pk, visit__in=visits_visible_to(user)).first()
    if photo is None:
        raise Http404("No such photo.")
    return photo


def action_get_for_user(user, pk: int) -> ActionItem:
    """An action item the user may update: the pair's coach or the organisation's leader."""
    if not user.is_authenticated:
        raise Http404("No such action.")
    action = (
        ActionItem.objects.filter(pk=pk)
        .filter((Q(match__coach__user=user) & ~Q(match__status=MatchStatus.PROPOSED)) | (
            Q(match__status=MatchStatus.CONFIRMED) & _leads(user, "match")))
        .select_related("match")
        .first()
    )  # fmt: skip
    if action is None:
        raise Http404("No such action.")
    return action


def open_actions_for(match: Match) -> list[ActionItem]:
    return list(ActionItem.objects.filter(match=match, status__in=OPEN_ACTION_STATUSES).order_by("due_on", "pk"))


def draft_for(match: Match, *, user) -> Visit | None:
    return Visit.objects.filter(match=match, author=user, status=VisitStatus.DRAFT).order_by("-updated_at").first()


# Reading across cohorts: staff (their programs) and researchers (their cohorts) ----------------


def reader_cohorts(user) -> QuerySet[Cohort]:
    if not user.is_authenticated:
        return Cohort.objects.none()
    q = Q(pk__in=ResearcherAccess.objects.filter(user=user).values("cohort_id"))
    staff = _staff_q(user, "program_id")
    if staff is not None:
        q = q | staff if staff else Q()
    return Cohort.objects.filter(q).select_related("program").order_by("-applications_close_at", "pk")


@dataclass
class VisitFilters:
    cohort: int | None = None
    organisation: str = ""
    coach: str = ""
    phase: str = ""
    mode: str = ""
    province: str = ""
    date_from: date | None = None
    date_to: date | None = None


def visits_for_reader(user, filters: VisitFilters | None = None, *, cohorts=None) -> QuerySet[Visit]:
    """Submitted visits of the cohorts a staff member or researcher reads, newest first, filtered.
    `cohorts`: the reader's cohorts when the caller has them already (`reader_cohorts`)."""
    filters = filters or VisitFilters()
    # Exactly the cohorts the reader is given (staff: their programs'; researchers: theirs),
    # as a plain list of ids: one index-friendly filter instead of the per-row rules.
    cohort_ids = [cohort.pk for cohort in cohorts] if cohorts is not None else None
    if cohort_ids is None:
        cohort_ids = list(reader_cohorts(user).values_list("pk", flat=True))
    visits = Visit.objects.filter(status=VisitStatus.SUBMITTED, match__cohort_id__in=cohort_ids)
    if filters.cohort:
        visits = visits.filter(match__cohort_id=filters.cohort)
    if filters.organisation:
        visits = visits.filter(match__organisation__name__icontains=filters.organisation)
    if filters.coach:
        visits = visits.filter(
            Q(author__full_name__icontains=filters.coach) | Q(author__email__icontains=filters.coach)
        )
    for name in ("phase", "mode", "province"):
        if getattr(filters, name):
            visits = visits.filter(**{name: getattr(filters, name)})
    if filters.date_from:
        visits = visits.filter(visited_on__gte=filters.date_from)
    if filters.date_to:
        visits = visits.filter(visited_on__lte=filters.date_to)
    return visits.select_related("match__cohort", "match__organisation", "author").order_by("-visited_on", "-pk")


LIST_DEFERRED = ("observations", "challenges", "wellbeing_note", "draft", "place")


def cohorts_to_rank(user) -> list[Cohort]:
    """Cohorts (not completed) in which the user coaches or leads an organisation: where they
    may rank the other side after meeting."""
    if not user.is_authenticated:
        return []
    return list(
        Cohort.objects.filter(
            Q(coach_profiles__user=user, coach_profiles__is_active=True)
            | Q(participants__user=user, participants__role=ParticipantRole.ORGANISATION_LEADER,
                participants__is_active=True)
        )
        .exclude(status="completed")
        .distinct()
        .order_by("-applications_close_at", "pk")
    )  # fmt: skip


def coach_profile_for(user) -> CoachProfile | None:
    return CoachProfile.objects.filter(user=user).first() if user.is_authenticated else None


# The coach's own visits and the pages a coach's phone keeps for a place without signal ----


def is_coach(user) -> bool:
    return user.is_authenticated and CoachProfile.objects.filter(user=user).exists()


def visits_of_coach(user) -> QuerySet[Visit]:
    """The visits the coach sent, newest first (the pairs they coach, not only the live ones)."""
    return (
        Visit.objects.filter(author=user, match__coach__user=user, status=VisitStatus.SUBMITTED)
        .exclude(match__status=MatchStatus.PROPOSED)
        .select_related("match__organisation", "match__cohort")
        .defer(*LIST_DEFERRED)
        .order_by("-visited_on", "-pk")
    )


def drafts_of_coach(user) -> list[Visit]:
    """The coach's drafts kept on the server, most recently typed first; `can_continue` says
    whether the pair is still open for visits (its form loads the newest draft of the pair)."""
    drafts = list(
        Visit.objects.filter(author=user, match__coach__user=user, status=VisitStatus.DRAFT)
        .exclude(match__status=MatchStatus.PROPOSED)
        .select_related("match__organisation")
        .order_by("-updated_at", "-pk")[:100]
    )
    for draft in drafts:
        draft.can_continue = draft.match.status == MatchStatus.CONFIRMED
        typed = draft.draft if isinstance(draft.draft, dict) else {}
        draft.typed_on = _typed_date(typed.get("visited_on"))
        draft.typed_text = str(typed.get("observations") or "")[:120]
    return drafts


def _typed_date(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:  # half-typed, or a day the calendar does not have
        return None


def offline_pages_for(user) -> list[str]:
    """The coaching pages the coach's phone keeps for a place without signal: the workspace, the
    coach's list of visits, and for each confirmed pair they coach its page and its visit form."""
    if not user.is_authenticated:
        return []
    pages = [reverse("coaching:workspace")]
    if is_coach(user):
        pages.append(reverse("coaching:my_visits"))
    for pk in (
        Match.objects.filter(coach__user=user, status=MatchStatus.CONFIRMED).order_by("pk").values_list("pk", flat=True)
    ):
        pages += [reverse("coaching:match_detail", args=[pk]), reverse("coaching:visit_new", args=[pk])]
    return pages


def visits_about_person(user) -> QuerySet[Visit]:
    """The visits that are a person's own data (PDPA download): those they wrote as the coach,
    and those shared with them as the leader of the visited organisation (what they may
    already read); not what they read as staff or researcher."""
    submitted = Q(status=VisitStatus.SUBMITTED)
    return (
        Visit.objects.filter(
            Q(author=user)
            | (submitted & Q(shared_with_leader=True, match__status=MatchStatus.CONFIRMED) & _leads(user, "match"))
        )
        .select_related("match__organisation", "match__cohort")
        .order_by("pk")
    )
