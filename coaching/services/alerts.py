"""Follow-up alerts, planned by Celery beat (hourly), each event emailed exactly once.

Events, selected by time window (never by date equality, so a missed or doubled run neither
skips nor repeats anyone):

- `visit_planned`: the coach, when the next visit planned on the pair's latest visit falls
  within the cohort's `visit_reminder_days` from today (one per pair and planned date);
- `no_visit`: the coach and the program's staff, when a confirmed pair has had no submitted
  visit for the cohort's `no_visit_alert_days` (counted from the last visit, or from the
  confirmation); one per pair and last-visit date, so a new visit re-arms it;
- `action_due` / `action_overdue`: the action's owners (the leader(s) for the leader's and
  the team's actions, the coach for the coach's, or the person named) when an open action is
  due within `action_due_days`, and once more when it is past due.

Each event has a key; the `FollowUpAlert` row and its outbox rows (keys derived from it) are
written in one transaction, and events whose key is already there are skipped.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from coaching.enums import OPEN_ACTION_STATUSES, ActionOwner, AlertKind, MatchStatus, VisitStatus
from coaching.models import ActionItem, CohortCoachingSettings, FollowUpAlert, Match, Visit
from coaching.selectors import attach_leaders
from incubator.dates import format_date
from incubator.mail import Message, language_for, message_key, queue_mail_bulk

DEFAULTS = CohortCoachingSettings()


def _settings(cohort_ids) -> dict[int, CohortCoachingSettings]:
    found = {s.cohort_id: s for s in CohortCoachingSettings.objects.filter(cohort_id__in=cohort_ids)}
    return {cid: found.get(cid, DEFAULTS) for cid in cohort_ids}


def _pair_path(match_id: int) -> str:
    return f"/coaching/pairs/{match_id}/"


def alerts_plan(*, today: date | None = None) -> int:
    """Queue every follow-up alert due today; returns how many emails were queued."""
    today = today or timezone.localdate()
    last = Visit.objects.filter(match=OuterRef("pk"), status=VisitStatus.SUBMITTED).order_by("-visited_on", "-pk")
    matches = list(
        Match.objects.filter(status=MatchStatus.CONFIRMED)
        .select_related("cohort__program", "coach__user", "organisation")
        .annotate(last_on=Subquery(last.values("visited_on")[:1]), next_on=Subquery(last.values("next_visit_on")[:1]))
    )
    if not matches:
        return 0
    attach_leaders(matches)
    conf = _settings({m.cohort_id for m in matches})
    events: list[tuple[str, str, Match, list[Message]]] = []
    staff_by_program = {}
    for match in matches:
        setting = conf[match.cohort_id]
        coach = match.coach.user
        base = {"organisation_name": match.organisation.name, "coach_name": coach.get_full_name(),
                "pair_path": _pair_path(match.pk)}  # fmt: skip
        if match.next_on and today <= match.next_on <= today + timedelta(days=setting.visit_reminder_days):
            key = f"coaching-alert:visit-planned:{match.pk}:{match.next_on}"
            context = {**base, "planned_on": format_date(match.next_on, language=language_for(coach)),
                       "visit_path": f"/coaching/pairs/{match.pk}/visits/new/"}  # fmt: skip
            events.append((key, AlertKind.VISIT_PLANNED, match, [_msg(key, coach, "visit_planned", context, match)]))
        since = match.last_on or (timezone.localtime(match.confirmed_at).date() if match.confirmed_at else None)
        if since and since <= today - timedelta(days=setting.no_visit_alert_days):
            key = f"coaching-alert:no-visit:{match.pk}:{since}"
            if match.cohort.program_id not in staff_by_program:
                staff_by_program[match.cohort.program_id] = list(match.cohort.program.staff.filter(is_active=True))
            people = [coach, *staff_by_program[match.cohort.program_id]]
            context = {**base, "days": (today - since).days, "last_visit": match.last_on}
            messages = [
                _msg(key, person, "no_visit", {**context, "last_visit": _day(match.last_on, person)}, match)
                for person in people
            ]
            events.append((key, AlertKind.NO_VISIT, match, messages))
    by_match = {m.pk: m for m in matches}
    actions = ActionItem.objects.filter(
        match_id__in=by_match, status__in=OPEN_ACTION_STATUSES, due_on__isnull=False
    ).select_related("owner_user")
    for action in actions:
        match = by_match[action.match_id]
        setting = conf[match.cohort_id]
        if action.due_on < today:
            kind, overdue = AlertKind.ACTION_OVERDUE, True
        elif action.due_on <= today + timedelta(days=setting.action_due_days):
            kind, overdue = AlertKind.ACTION_DUE, False
        else:
            continue
        key = f"coaching-alert:{kind}:{action.pk}:{action.due_on}"
        if action.owner_user is not None:
            owners = [action.owner_user]
        elif action.owner == ActionOwner.COACH:
            owners = [match.coach.user]
        else:
            owners = match.leaders or [match.coach.user]
        context = {"organisation_name": match.organisation.name, "action_title": action.title, "overdue": overdue,
                   "pair_path": _pair_path(match.pk)}  # fmt: skip
        messages = [
            _msg(key, person, "action_due", {**context, "due_on": _day(action.due_on, person)}, action)
            for person in owners
        ]
        events.append((key, kind, match, messages))
    return _queue(events)


def _day(day, person) -> str:
    return format_date(day, language=language_for(person)) if day else ""


def _msg(key: str, user, template: str, context: dict, related) -> Message:
    return Message(
        key=message_key(key, user.pk),
        user=user,
        template=f"coaching/{template}",
        context={**context, "recipient_name": user.get_full_name()},
        related=related,
    )


def _queue(events) -> int:
    if not events:
        return 0
    with transaction.atomic():
        done = set(FollowUpAlert.objects.filter(key__in=[e[0] for e in events]).values_list("key", flat=True))
        fresh = [e for e in events if e[0] not in done]
        FollowUpAlert.objects.bulk_create(
            [FollowUpAlert(key=key, kind=kind, match=match) for key, kind, match, _m in fresh], ignore_conflicts=True
        )
        ids = queue_mail_bulk([message for *_rest, messages in fresh for message in messages])
    return len(ids)
