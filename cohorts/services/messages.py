"""Staff write to a group of a call's applicants (see cohorts.selectors.messages for who is in
each group): one email per person through the outbox, in the person's language.

Exactly once per message: the form carries a token made when staff opened it; the message row
is unique by that token and written in the same transaction as its emails (keyed by message and
person). A double click, a resubmitted form or a second tab finds the message already there
and sends nothing; two requests at the same instant meet at the unique index, and the second
waits for the first and then finds it.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cohorts.enums import MessageGroup
from cohorts.models import Cohort, CohortMessage, Phase
from cohorts.selectors.messages import MESSAGE_TEMPLATE, message_context, message_recipients
from incubator.mail import Message, language_for, message_key, queue_mail_bulk


def cohort_message_send(
    *,
    cohort: Cohort,
    group: str,
    phase: Phase | None,
    subject: str,
    body: str,
    subject_en: str = "",
    body_en: str = "",
    token: uuid.UUID,
    by,
    expected_count: int | None = None,
) -> tuple[CohortMessage, bool]:
    """Send a message to `group` of `cohort`'s applicants. Returns the message and whether this
    call sent it (False: the form's `token` was sent before; nothing is sent again).

    `expected_count`: the count staff saw in the preview; if the group has changed since, the
    message is refused (nothing saved) so that staff send to the people they counted."""
    existing = CohortMessage.objects.filter(token=token).first()
    if existing is not None:
        if existing.cohort_id != cohort.pk:
            raise ValidationError(_("This form was not made for this cohort. Open it again."), code="wrong_cohort")
        return existing, False
    if group == MessageGroup.PHASE and (phase is None or phase.cohort_id != cohort.pk):
        raise ValidationError({"phase": _("Choose a phase of this call.")}, code="phase_required")
    if group != MessageGroup.PHASE:
        phase = None
    with transaction.atomic():
        message = CohortMessage(
            cohort=cohort,
            group=group,
            phase=phase,
            subject=" ".join(subject.split()),
            body=body.strip(),
            subject_en=" ".join(subject_en.split()),
            body_en=body_en.strip(),
            token=token,
            sent_by=by,
        )
        message.full_clean(exclude=["token"])
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:  # the same form, sent at the same instant: the first one stands
            return CohortMessage.objects.get(token=token), False
        applications = list(message_recipients(cohort=cohort, group=group, phase=phase))
        if not applications:
            raise ValidationError(_("Nobody is in this group: nothing was sent."), code="no_recipients")
        if expected_count is not None and expected_count != len(applications):
            raise ValidationError(
                ngettext(
                    "The group has changed since the preview: it is now %(count)d person. Check the preview "
                    "and send again; nothing was sent.",
                    "The group has changed since the preview: it is now %(count)d people. Check the preview "
                    "and send again; nothing was sent.",
                    len(applications),
                )
                % {"count": len(applications)},
                code="group_changed",
            )
        queue_mail_bulk(
            Message(
                key=message_key("cohort-message", message.pk, application.applicant_id),
                user=application.applicant,
                template=MESSAGE_TEMPLATE,
                context=message_context(
                    application=application,
                    subject=message.subject,
                    body=message.body,
                    subject_en=message.subject_en,
                    body_en=message.body_en,
                    language=language_for(application.applicant),
                ),
                related=message,
            )
            for application in applications
        )
        message.recipients = len(applications)
        message.save(update_fields=["recipients"])
    return message, True
