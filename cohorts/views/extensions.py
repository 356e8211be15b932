"""Deadline extensions: the staff page of a call (grant, late-entry link, revoke) and the
late-entry link an invited person opens.

The staff page is fetched through `cohort_get_for_staff` (404 for anyone who does not run the
call's program). The link needs a verified login (the login and the sign-up keep it as their
`next`), then binds to the account whose address received it; otherwise the person reads why
not, and nothing changes.
"""

from __future__ import annotations

from allauth.account.decorators import verified_email_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cohorts.extension_forms import ExtensionGrantForm, ExtensionRevokeForm, LateEntryLinkForm
from cohorts.selectors.applications import application_for_cohort
from cohorts.selectors.extensions import extension_candidates, extension_get_for_cohort, extensions_for_cohort
from cohorts.selectors.reviews import cohort_get_for_staff
from cohorts.services.extensions import (
    LateEntryRefused,
    extension_grant,
    extension_revoke,
    late_entry_link_create,
    late_entry_link_open,
)
from incubator.dates import format_date
from incubator.forms import add_service_errors
from incubator.validators import clean_query


def _state(extension, now) -> tuple[str, str]:
    """(label, badge class) of an extension on the staff page."""
    if extension.revoked_at is not None:
        return _("Revoked"), "text-bg-light border"
    if extension.until <= now:
        return _("Ended"), "text-bg-secondary"
    if extension.person_id is None:
        return _("Link sent, not opened yet"), "text-bg-warning"
    return _("Active"), "text-bg-success"


@login_required
@require_http_methods(["GET", "POST"])
def cohort_extensions(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = cohort_get_for_staff(user=request.user, pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    grant_form = ExtensionGrantForm(
        request.POST if action == "grant" else None,
        cohort=cohort,
        prefix="grant",
        initial={"email": request.GET.get("email", "")[:254]},
    )
    link_form = LateEntryLinkForm(request.POST if action == "link" else None, cohort=cohort, prefix="link")
    here = reverse("cohorts:extensions", kwargs={"pk": cohort.pk})
    status = 200
    if action == "grant":
        if grant_form.is_valid():
            data = grant_form.cleaned_data
            try:
                extension = extension_grant(
                    cohort=cohort, person=grant_form.person, until=data["until"], reason=data["reason"], by=request.user
                )
            except ValidationError as error:
                add_service_errors(grant_form, error)
            else:
                messages.success(
                    request,
                    _("%(person)s now has until %(until)s (Bangkok time); we emailed them.")
                    % {"person": extension.person.email, "until": format_date(extension.until, with_time=True)},
                )
                return redirect(here)
        status = 400
    elif action == "link":
        if link_form.is_valid():
            data = link_form.cleaned_data
            try:
                extension = late_entry_link_create(
                    cohort=cohort, email=data["email"], until=data["until"], reason=data["reason"], by=request.user
                )
            except ValidationError as error:
                add_service_errors(link_form, error)
            else:
                messages.success(
                    request,
                    _("A late-entry link valid until %(until)s (Bangkok time) was emailed to %(email)s.")
                    % {"email": extension.email, "until": format_date(extension.until, with_time=True)},
                )
                return redirect(here)
        status = 400
    elif action == "revoke":
        revoke_form = ExtensionRevokeForm(request.POST)
        extension = (
            extension_get_for_cohort(cohort=cohort, pk=revoke_form.cleaned_data["extension"])
            if revoke_form.is_valid()
            else None
        )
        if extension is None:
            messages.error(request, _("Choose an extension of this call to revoke."))
        else:
            extension_revoke(extension=extension, by=request.user)
            messages.success(request, _("The extension is revoked."))
        return redirect(here)
    try:
        query, query_error = clean_query(request.GET.get("q"), max_length=100), ""
    except ValidationError as error:
        query, query_error = "", " ".join(error.messages)
    now = timezone.now()
    extensions = list(extensions_for_cohort(cohort=cohort))
    for extension in extensions:
        extension.state_label, extension.state_class = _state(extension, now)
    return render(
        request,
        "cohorts/cohort_extensions.html",
        {
            "cohort": cohort,
            "extensions": extensions,
            "grant_form": grant_form,
            "link_form": link_form,
            "query": query,
            "query_error": query_error,
            "candidates": extension_candidates(cohort=cohort, query=query),
        },
        status=400 if query_error else status,
    )


@verified_email_required
def late_entry(request: HttpRequest, token: str) -> HttpResponse:
    """Opened from the emailed link: bind it to this account, then on to the form."""
    try:
        extension = late_entry_link_open(token=token, user=request.user)
    except LateEntryRefused as error:
        status = 403 if error.code == "wrong_email" else 404
        return render(request, "cohorts/late_entry_refused.html", {"message": " ".join(error.messages)}, status=status)
    cohort = extension.cohort
    messages.success(
        request,
        _("You have until %(until)s (Bangkok time) to submit your application.")
        % {"until": format_date(extension.until, with_time=True)},
    )
    application = application_for_cohort(cohort=cohort, user=request.user)
    if application is not None:
        return redirect("cohorts:application_edit", pk=application.pk)
    return redirect("cohorts:application_start", slug=cohort.slug)


urlpatterns = [
    path("staff/cohorts/<id:pk>/extensions/", cohort_extensions, name="extensions"),
    path("late-entry/<str:token>/", late_entry, name="late_entry"),
]
