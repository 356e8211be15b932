"""The public showcase of a cohort, and the page where leaders and coaches give or withdraw
their consent to it. The showcase shows only entries whose consent stands; its data is
cached per cohort and the cache is cleared by every consent change (dashboard.services)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coaching.models import VisitPhoto
from dashboard.forms import ConsentForm
from dashboard.selectors import (
    current_consents,
    entries_for_consent,
    entry_get_for_consent,
    showcase_cohort_get,
    showcase_entries,
)
from dashboard.services import consent_give, consent_withdraw, showcase_cache_key
from incubator.geo import PROVINCE_MODEL_CHOICES


def _cached_entries(cohort) -> list[dict]:
    key = showcase_cache_key(cohort_id=cohort.pk)
    entries = cache.get(key)
    if entries is None:
        entries = showcase_entries(cohort=cohort)
        cache.set(key, entries, settings.SHOWCASE_CACHE_SECONDS)
    return entries


def showcase(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = showcase_cohort_get(slug=slug)
    entries = _cached_entries(cohort)
    english = (get_language() or "th").startswith("en")
    provinces = dict(PROVINCE_MODEL_CHOICES)
    for entry in entries:
        entry["display_story"] = entry["story_en"] if english and entry["story_en"] else entry["story"]
        entry["province_name"] = provinces.get(entry["province"], "")
    og_image = next((e["id"] for e in entries if e["photo_id"]), None)
    response = render(request, "dashboard/showcase.html", {"cohort": cohort, "entries": entries, "og_entry": og_image})
    response["Cache-Control"] = "public, max-age=60"
    return response


def showcase_photo(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """An entry's photo, only while the organisation's consent stands."""
    cohort = showcase_cohort_get(slug=slug)
    entry = next((e for e in _cached_entries(cohort) if e["id"] == pk and e["photo_id"]), None)
    if entry is None:
        raise Http404("Not found.")
    photo = VisitPhoto.objects.filter(pk=entry["photo_id"]).first()
    if photo is None:
        raise Http404("Not found.")
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=300"
    return response


@login_required
def consent_list(request: HttpRequest) -> HttpResponse:
    rows = entries_for_consent(user=request.user)
    consents = current_consents([entry for entry, _subject in rows])
    items = [
        {"entry": entry, "subject": subject, "consent": consents.get((entry.pk, subject))} for entry, subject in rows
    ]
    return render(request, "dashboard/consent_list.html", {"items": items})


@login_required
@require_POST
def consent_change(request: HttpRequest, pk: int) -> HttpResponse:
    form = ConsentForm(request.POST)
    if not form.is_valid():
        raise Http404("Not found.")
    entry = entry_get_for_consent(user=request.user, pk=pk, subject=form.cleaned_data["subject"])
    if form.cleaned_data["action"] == "give":
        consent_give(entry=entry, subject=form.cleaned_data["subject"], by=request.user)
        messages.success(request, _("Thank you: your consent is recorded."))
    else:
        consent_withdraw(entry=entry, subject=form.cleaned_data["subject"], by=request.user)
        messages.success(request, _("Your consent is withdrawn; the showcase no longer shows it."))
    return redirect("dashboard:consent_list")


urlpatterns = [
    path("showcase/consent/", consent_list, name="consent_list"),
    path("showcase/consent/<id:pk>/", consent_change, name="consent_change"),
    path("showcase/<slug:slug>/", showcase, name="showcase"),
    path("showcase/<slug:slug>/photos/<id:pk>.jpg", showcase_photo, name="showcase_photo"),
]
