"""Thin Celery wrappers around the coaching services."""

from celery import shared_task


@shared_task(name="coaching.plan_follow_up_alerts")
def plan_follow_up_alerts() -> int:
    """Beat, hourly: planned-visit, no-visit and action alerts (see `alerts_plan`)."""
    from coaching.services.alerts import alerts_plan

    return alerts_plan()
