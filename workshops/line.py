"""Workshop messages on LINE: session reminders and change notices as Flex messages (built by
the core's `incubator.line.session_flex` when the row is sent: Buddhist Era dates in Thai, the
place with a map link, "add to calendar", "my cohort"); announcements as the staff's own text."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from incubator.line import register_line_full_text, register_line_message, session_flex
from incubator.models import OutboundEmail

HEADINGS = {
    "workshops/session_reminder": lambda: _("Workshop reminder"),
    "workshops/session_changed": lambda: _("Session moved"),
    "workshops/session_cancelled": lambda: _("Session cancelled"),
}


def session_line_message(email: OutboundEmail) -> dict | None:
    """The Flex message of a session reminder or notice (None: the default text)."""
    from workshops.models import ReminderText, Session
    from workshops.services.notices import my_cohort_url, reminder_text_render, reminder_values, session_place

    if email.content_type_id is None or email.content_type.model_class() is not Session:
        return None
    session = Session.objects.select_related("workshop").filter(pk=email.object_id).first()
    if session is None:
        return None
    workshop = session.workshop
    title = f"{workshop.display_title}: {session.title}" if session.title else workshop.display_title
    if email.template == "workshops/session_reminder":
        # The staff's own reminder text for the series, as plain text with its placeholders filled.
        custom = (
            ReminderText.objects.filter(series_id=workshop.series_id, language=email.language)
            .values_list("body", flat=True)
            .first()
        )
        user = email.recipient_user
        values = reminder_values(session=session, user=user, language=email.language) if user else {}
        note = reminder_text_render(custom, values) if custom else ""
    else:
        note = session.change_reason
    return session_flex(
        heading=HEADINGS[email.template](),
        title=title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        place=session_place(session),
        calendar_url=settings.SITE_URL + reverse("workshops:session_ics", kwargs={"pk": session.pk}),
        cohort_url=my_cohort_url(),
        note=note,
        language=email.language,
    )


def register() -> None:
    for template in HEADINGS:
        register_line_message(template, session_line_message)
    register_line_full_text("workshops/announcement")
