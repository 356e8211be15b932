"""Automatic reviewer assignment: what a reviewer says they know (`ReviewerExpertise`), the
pairs staff forbid or fix in a phase (`ReviewPairRule`), and a stored proposal staff preview,
adjust and confirm across requests (`ReviewProposal`). The rules live in
`cohorts.services.assignment`; the solver in `incubator.assignment`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cohorts.enums import PairRuleKind, ProposalStatus
from cohorts.models.core import Application, Organisation
from cohorts.models.phases import Phase
from incubator.dates import DateRangeValidator


class ReviewerExpertise(models.Model):
    """One row per reviewer: the track kinds, sectors and regions they choose to review, and
    the organisation they belong to (never assigned that organisation's applications)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.CASCADE, related_name="review_expertise"
    )
    track_kinds = models.JSONField(_("track kinds"), default=list, blank=True)
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    regions = models.JSONField(_("regions"), default=list, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation you belong to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reviewer expertise")
        verbose_name_plural = _("reviewer expertise")

    def __str__(self) -> str:
        return str(self.user)


class ReviewPairRule(models.Model):
    """Staff's word on one pair in a phase: never assign it, or always keep it."""

    phase = models.ForeignKey(Phase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="pair_rules")
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("rule"), max_length=10, choices=PairRuleKind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("set at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("reviewer pair rule")
        verbose_name_plural = _("reviewer pair rules")
        ordering = ["phase", "application", "reviewer"]
        constraints = [
            models.UniqueConstraint(
                fields=["phase", "application", "reviewer"], name="pairrule_unique_phase_application_reviewer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reviewer} → {self.application_id}"


class ReviewProposal(models.Model):
    """A proposed assignment of a phase: `pairs` is a list of {"application", "reviewer",
    "score", "reasons": [[code, values], ...], "fixed", "existing"}; `short` maps application
    ids to the reviewers they still lack; `fingerprint` is what the proposal was computed
    from, so a confirm after something changed is refused."""

    phase = models.ForeignKey(Phase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="proposals")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, validators=[DateRangeValidator()])
    status = models.CharField(_("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT)
    pairs = models.JSONField(_("pairs"), default=list, blank=True)
    short = models.JSONField(_("applications left short"), default=dict, blank=True)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("reviewer assignment proposal")
        verbose_name_plural = _("reviewer assignment proposals")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["phase", "status"], name="proposal_phase_status_idx")]

    def __str__(self) -> str:
        return f"{self.phase} · {self.get_status_display()}"
