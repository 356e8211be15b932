"""Program staff see and resend the emails of their own programs in the outbox admin.

An email belongs to a program through the object it is about (`content_type`/`object_id`):
an application, a cohort, a participant or a staff message to applicants of one of the
program's cohorts. The condition is one `Q` with subqueries of those objects' ids (cast to
text, as `object_id` is), so the outbox changelist costs the same number of queries for one
email or a hundred thousand. Emails about no program (sign-up, password reset) stay with the superusers.
"""

from __future__ import annotations

from django.db.models import CharField, Q
from django.db.models.functions import Cast

from cohorts.access import scope_to_programs, staff_program_ids
from cohorts.models import Application, Cohort, CohortMessage, Participant
from incubator.admin import OutboxScope, register_outbox_scope

# The objects an email can be about, whose program decides who among the staff sees it.
EMAIL_SUBJECTS = (Application, Cohort, Participant, CohortMessage)


def outbox_scope_for(models: tuple) -> OutboxScope:
    """An outbox scope: emails about rows of `models` in the staff member's programs. Each
    app registers one for the models its emails are about (`related=` in queue_mail); the
    models need a program scope (their ProgramScopedAdmin's `program_path` gives them one)."""

    def program_emails(request) -> Q | None:
        program_ids = staff_program_ids(request)
        if program_ids is None:
            return None
        visible = Q(pk__in=[])
        for model in models:
            ids = scope_to_programs(model.objects.order_by(), program_ids).values_list(
                Cast("pk", output_field=CharField()), flat=True
            )
            visible |= Q(
                content_type__app_label=model._meta.app_label,
                content_type__model=model._meta.model_name,
                object_id__in=ids,
            )
        return visible

    return program_emails


program_emails = outbox_scope_for(EMAIL_SUBJECTS)
register_outbox_scope(program_emails)
