"""The waiting list moving up when an accepted applicant declines their place.

`place_freed_record` runs in the decline's transaction (see `application_withdraw`). It locks
the cohort's row, so declines in one cohort are handled one after another, and writes one
`PlaceFreed` row per declined application (unique): a repeated or concurrent call for the
same decline finds it and does nothing, so a declined place is filled at most once. With the
cohort's `waitlist_auto_promote` on, the first application on the waiting list (position,
then score, then who handed in first; see `waitlist_ordered`) is accepted through
`application_decide` (history, participant, its decision email once) and recorded on the
row: under the cohort lock the next decline sees it accepted, so two declines move up two
different people. Staff are emailed either way: who moved up, or that a place is free.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from cohorts.enums import ApplicationStatus
from cohorts.models import Application, Cohort, PlaceFreed
from cohorts.selectors.decisions import waitlist_ordered
from cohorts.services.decisions import application_decide
from incubator.links import absolute_url
from incubator.mail import message_key, queue_mail


def _staff_to_tell(cohort: Cohort) -> list:
    staff = list(cohort.program.staff.filter(is_active=True).order_by("pk"))
    return staff or list(get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk"))


def place_freed_record(*, declined: Application, by=None) -> PlaceFreed:
    """An accepted application was declined (call inside the decline's transaction, with the
    application already withdrawn): fill the place from the waiting list if the cohort allows
    it, and tell the program's staff. Once per declined application."""
    cohort = Cohort.objects.select_for_update().select_related("program").get(pk=declined.cohort_id)
    existing = PlaceFreed.objects.filter(declined=declined).first()
    if existing is not None:
        return existing
    promoted = None
    if cohort.waitlist_auto_promote:
        promoted = waitlist_ordered(cohort=cohort).first()
        if promoted is not None:
            promoted = application_decide(application=promoted, status=ApplicationStatus.ACCEPTED, by=None)
    place = PlaceFreed.objects.create(cohort=cohort, declined=declined, promoted=promoted)
    decisions_url = absolute_url(reverse("cohorts:decisions_stage", kwargs={"pk": cohort.pk}))
    for person in _staff_to_tell(cohort):
        queue_mail(
            key=message_key("place-freed", declined.pk, person.pk),
            to=person.email,
            user=person,
            template="cohorts/place_freed",
            context={
                "name": person.get_full_name() or person.email,
                "cohort": cohort,
                "program": cohort.program,
                "declined": declined,
                "promoted": promoted,
                "auto_promote": cohort.waitlist_auto_promote,
                "decisions_url": decisions_url,
            },
            related=declined,
        )
    return place
