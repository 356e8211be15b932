"""Field visits: drafts, idempotent submission with actions and photos, action updates.

A visit is made on the phone with a client id (a UUID made by the browser). The draft is kept
on the server while online (`visit_draft_save`, the form as typed) and on the phone while
offline. `visit_submit` is idempotent on the client id: a retry, a double tap or a queued
send after reconnection returns the visit already made, never a second one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.enums import OPEN_ACTION_STATUSES, ActionOwner, ActionStatus, MatchStatus, VisitPhase, VisitStatus
from coaching.models import ActionItem, Match, Visit, VisitPhoto
from coaching.photos import clean_photo

VISIT_FIELDS = (
    "visited_on", "mode", "place", "province", "latitude", "longitude", "phase", "milestone",
    "observations", "challenges", "costs", "beneficiaries", "impact_unit_cost", "wellbeing_score",
    "wellbeing_note", "next_visit_on", "shared_with_leader",
)  # fmt: skip
FINANCE_FIELDS = ("costs", "beneficiaries", "impact_unit_cost")
MAX_PHOTOS = 10


@dataclass
class NewAction:
    title: str
    owner: str = ActionOwner.LEADER
    due_on: date | None = None


@dataclass
class PhotoUpload:
    client_id: uuid.UUID
    file: object
    caption: str = ""


@dataclass
class VisitInput:
    fields: dict
    actions: list[NewAction] = field(default_factory=list)
    action_updates: dict[int, str] = field(default_factory=dict)  # earlier open action id -> status
    photos: list[PhotoUpload] = field(default_factory=list)


def _check_coach(match: Match, by) -> None:
    if match.status != MatchStatus.CONFIRMED or match.coach.user_id != by.pk:
        raise PermissionDenied("Only the pair's coach logs visits while the match is confirmed.")


def _without_nul(value):
    """A draft as PostgreSQL's jsonb can hold it: NUL characters dropped (a draft keeps the rest
    of what was typed; the form refuses NUL when the visit is sent)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(str(key)): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


def visit_draft_save(*, match: Match, by, client_id: uuid.UUID, draft: dict) -> Visit:
    """Keep the form as typed (no validation: half-typed input is kept, never refused).
    A visit already submitted under this client id is left as it is."""
    _check_coach(match, by)
    if not isinstance(draft, dict) or len(str(draft)) > 200_000:
        raise ValidationError(_("This draft cannot be saved."))
    draft = _without_nul(draft)
    visit = Visit.objects.filter(client_id=client_id).first()
    if visit is None:
        try:
            with transaction.atomic():
                return Visit.objects.create(match=match, author=by, client_id=client_id, draft=draft)
        except IntegrityError:
            visit = Visit.objects.get(client_id=client_id)
    if visit.author_id != by.pk or visit.match_id != match.pk:
        raise PermissionDenied("Another person's visit.")
    if visit.status == VisitStatus.DRAFT:
        visit.draft = draft
        visit.save(update_fields=["draft", "updated_at"])
    return visit


def _impact_unit_cost(values: dict) -> Decimal | None:
    if values.get("impact_unit_cost") is not None:
        return values["impact_unit_cost"]
    costs, beneficiaries = values.get("costs"), values.get("beneficiaries")
    if costs is not None and beneficiaries:
        return (Decimal(costs) / beneficiaries).quantize(Decimal("0.01"))
    return None


def visit_submit(*, match: Match, by, client_id: uuid.UUID, data: VisitInput) -> tuple[Visit, bool]:
    """Submit a visit; returns (visit, created). The same client id again returns the first
    visit unchanged (photos that did not arrive the first time are added)."""
    _check_coach(match, by)
    cleaned_photos = []
    for photo in data.photos[:MAX_PHOTOS]:
        cleaned_photos.append((photo, clean_photo(photo.file)))  # refuses before anything is written
    try:
        with transaction.atomic():
            visit, created = _submit(match=match, by=by, client_id=client_id, data=data)
            _add_photos(visit=visit, photos=cleaned_photos)
    except IntegrityError:
        # A concurrent send of the same client id won the race: its visit stands.
        visit = Visit.objects.get(client_id=client_id)
        if visit.author_id != by.pk:
            raise PermissionDenied("Another person's visit.") from None
        return visit, False
    return visit, created


def _submit(*, match: Match, by, client_id: uuid.UUID, data: VisitInput) -> tuple[Visit, bool]:
    visit = Visit.objects.select_for_update().filter(client_id=client_id).first()
    if visit is not None:
        if visit.author_id != by.pk or visit.match_id != match.pk:
            raise PermissionDenied("Another person's visit.")
        if visit.status == VisitStatus.SUBMITTED:
            return visit, False
    else:
        visit = Visit(match=match, author=by, client_id=client_id)
    values = {name: data.fields.get(name) for name in VISIT_FIELDS if name in data.fields}
    if values.get("phase") != VisitPhase.FINANCE:
        for name in FINANCE_FIELDS:
            values[name] = None
    values["impact_unit_cost"] = _impact_unit_cost(values)
    for name, value in values.items():
        setattr(visit, name, value)
    if visit.milestone_id and visit.milestone.plan.match_id != match.pk:
        raise ValidationError({"milestone": _("This milestone belongs to another pair.")})
    if not visit.visited_on:
        raise ValidationError({"visited_on": _("Give the date of the visit.")})
    visit.status = VisitStatus.SUBMITTED
    visit.submitted_at = timezone.now()
    visit.draft = {}
    visit.full_clean(exclude=["match", "author"])
    visit.save()
    for action in data.actions:
        item = ActionItem(
            match=match, visit=visit, title=action.title.strip(), owner=action.owner, due_on=action.due_on
        )
        item.full_clean(exclude=["match", "visit"])
        item.save()
    if data.action_updates:
        earlier = ActionItem.objects.filter(
            match=match, pk__in=list(data.action_updates), status__in=OPEN_ACTION_STATUSES
        )
        for item in earlier:
            new = data.action_updates[item.pk]
            if new in ActionStatus.values and new != item.status:
                item.status = new
                item.save(update_fields=["status", "updated_at"])
    return visit, True


def _add_photos(*, visit: Visit, photos: list) -> None:
    known = set(VisitPhoto.objects.filter(visit=visit).values_list("client_id", flat=True))
    for photo, content in photos:
        if photo.client_id in known:
            continue
        if VisitPhoto.objects.filter(client_id=photo.client_id).exclude(visit=visit).exists():
            continue
        row = VisitPhoto(visit=visit, client_id=photo.client_id, caption=(photo.caption or "")[:255])
        row.image.save(content.name, content, save=False)
        row.save()
        known.add(photo.client_id)


def action_set_status(*, action: ActionItem, by, status: str) -> ActionItem:
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    if action.status != status:
        action.status = status
        action._history_user = by
        action.save(update_fields=["status", "updated_at"])
    return action
