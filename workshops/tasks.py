"""Thin Celery wrappers around the workshops services (beat schedule in settings)."""

from celery import shared_task


@shared_task(name="workshops.plan_session_reminders")
def plan_session_reminders() -> int:
    """Beat, every 10 minutes: session reminders due now (see `session_reminders_plan`)."""
    from workshops.services import notices

    return notices.session_reminders_plan()


@shared_task(name="workshops.plan_workshop_notices")
def plan_workshop_notices() -> int:
    """Beat, every 30 minutes: RSVP reminders and follow-ups with the feedback link."""
    from workshops.services import notices

    return notices.rsvp_reminders_plan() + notices.followups_plan()


@shared_task(name="workshops.sync_registrations")
def sync_registrations() -> int:
    """Beat, every 10 minutes: register participants accepted since their series was made."""
    from workshops.services import series

    return series.registrations_sync_all()
