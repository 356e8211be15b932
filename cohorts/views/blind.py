"""Staff: lift the blind of a review phase, after a confirmation page that says how many of
its reviews are still pending (`cohorts.services.blind`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cohorts.selectors.blind import phase_get_for_staff, phase_reviews_pending_count
from cohorts.services.blind import phase_blind_lift
from cohorts.services.selection import REVIEWABLE_STATUSES


@login_required
@require_http_methods(["GET", "POST"])
def phase_blind_lift_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation page; POST: lift the blind (program staff of the phase only, 404 otherwise)."""
    phase = phase_get_for_staff(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            phase_blind_lift(phase=phase, by=request.user, request=request)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("The blind of %(phase)s is lifted: its reviewers now see who applied.") % {"phase": phase},
            )
        return redirect("cohorts:cohort_ranking", pk=phase.cohort_id)
    return render(
        request,
        "cohorts/phase_blind_lift.html",
        {
            "phase": phase,
            "cohort": phase.cohort,
            "pending": phase_reviews_pending_count(phase=phase, statuses=REVIEWABLE_STATUSES),
        },
    )


urlpatterns = [
    path("staff/phases/<id:pk>/lift-blind/", phase_blind_lift_view, name="phase_blind_lift"),
]
