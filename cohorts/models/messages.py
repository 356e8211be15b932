"""Staff messages to a group of a call's applicants (all shortlisted, all waitlisted, all
drafts not yet submitted, all in a phase, ...): written once, sent through the outbox, one
email per person. `token` is made by the form when staff open it, so a double click or a
resubmitted form finds the message already sent and sends nothing twice."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cohorts.enums import MessageGroup
from cohorts.models.core import Cohort
from cohorts.models.phases import Phase
from incubator.dates import DateRangeValidator
from incubator.validators import MESSAGE_MAX, text_limit

SUBJECT_MAX = 200


class CohortMessage(models.Model):
    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="messages")
    group = models.CharField(_("to"), max_length=12, choices=MessageGroup.choices)
    # The phase of the "all in a phase" group (the service insists on one); kept empty if the
    # phase is deleted later, the message stays in the list.
    phase = models.ForeignKey(
        Phase, verbose_name=_("phase"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(_("subject (Thai)"), max_length=SUBJECT_MAX)
    body = models.TextField(_("message (Thai)"), **text_limit(MESSAGE_MAX))
    subject_en = models.CharField(_("subject (English)"), max_length=SUBJECT_MAX, blank=True)
    body_en = models.TextField(_("message (English)"), blank=True, **text_limit(MESSAGE_MAX))
    token = models.UUIDField(_("form token"), default=uuid.uuid4, unique=True, editable=False)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("message to applicants")
        verbose_name_plural = _("messages to applicants")
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return self.subject
