"""Choices of the coaching app.

Skills of coaches use the same vocabulary as organisations' needs (`cohorts.enums.Need`), and
sectors and languages the same as applications (`cohorts.enums.Sector`, `Language`): matching
compares codes from one list on both sides.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cohorts.enums import Language, Need, Sector

Skill = Need  # one vocabulary: what an organisation needs is what a coach offers

__all__ = ["Language", "Need", "Sector", "Skill"]


class CoachKind(models.TextChoices):
    INTRAPRENEUR = "intrapreneur", _("Intrapreneur")
    FIELD_COACH = "field_coach", _("Field coach")
    ADVISOR = "advisor", _("Advisor")
    MENTOR = "mentor", _("Mentor")


class MatchStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("match status", "Proposed")
    CONFIRMED = "confirmed", pgettext_lazy("match status", "Confirmed")
    ENDED = "ended", pgettext_lazy("match status", "Ended")


class PairRuleKind(models.TextChoices):
    FIXED = "fixed", _("Fixed by staff")
    FORBIDDEN = "forbidden", _("Forbidden by staff")


class ConflictKind(models.TextChoices):
    EMPLOYER = "employer", _("Same employer")
    FUNDER = "funder", _("Same funder")
    RELATION = "relation", _("Declared relation")
    OTHER = "other", _("Other conflict")


class PreferenceSide(models.TextChoices):
    COACH = "coach", _("Coach's ranking of organisations")
    ORGANISATION = "organisation", _("Organisation's ranking of coaches")


class VisitMode(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    ONLINE = "online", _("Online")
    PHONE = "phone", _("Phone")


class VisitPhase(models.TextChoices):
    STRATEGY = "strategy", _("Strategy (after workshop 1)")
    FINANCE = "finance", _("Finance and impact unit cost (after workshop 2)")
    TEAM = "team", _("Team (after workshop 3)")
    OTHER = "other", pgettext_lazy("visit phase", "Other")


class VisitStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("visit status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("visit status", "Submitted")


class ActionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("action status", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("action status", "In progress")
    DONE = "done", pgettext_lazy("action status", "Done")
    DROPPED = "dropped", pgettext_lazy("action status", "Dropped")


OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionOwner(models.TextChoices):
    LEADER = "leader", _("Organisation leader")
    COACH = "coach", _("Coach")
    TEAM = "team", _("Organisation team")


class AlertKind(models.TextChoices):
    VISIT_PLANNED = "visit_planned", _("Planned visit coming")
    NO_VISIT = "no_visit", _("No visit for too long")
    ACTION_DUE = "action_due", _("Action coming due")
    ACTION_OVERDUE = "action_overdue", _("Action overdue")


WELLBEING_SCALE = (
    (1, _("1 · struggling")),
    (2, _("2 · strained")),
    (3, _("3 · steady")),
    (4, _("4 · good")),
    (5, _("5 · thriving")),
)
