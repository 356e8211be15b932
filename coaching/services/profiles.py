"""Coach profiles: filled from the accepted intrapreneur application, edited by the coach."""

from __future__ import annotations

from django.db import transaction

from coaching.enums import CoachKind, Need
from coaching.models import CoachProfile
from cohorts.enums import ApplicationStatus, TrackKind
from cohorts.models import Application

PROFILE_FIELDS = (
    "kind", "skills", "sectors", "employer", "business_background", "home_province", "travel_provinces",
    "languages", "capacity", "availability_days_per_month", "availability_note", "bio",
)  # fmt: skip


def skills_from_text(text: str) -> list[str]:
    """The Need codes a free-text skills answer mentions (either language)."""
    lowered = (text or "").lower()
    found = []
    for code, label in Need.choices:
        words = {code.replace("_", " "), str(label).lower().split(" ")[0]}
        if any(word and word in lowered for word in words):
            found.append(code)
    return found


@transaction.atomic
def coach_profile_from_application(*, application: Application) -> CoachProfile:
    """The coach profile of an accepted intrapreneur, made or completed from the application;
    what the coach already typed is kept (only empty fields are filled)."""
    if application.status != ApplicationStatus.ACCEPTED:
        raise ValueError("Only an accepted application fills a coach profile.")
    profile, _created = CoachProfile.objects.get_or_create(
        user_id=application.applicant_id, defaults={"kind": CoachKind.INTRAPRENEUR}
    )
    filled = {
        "employer": application.employer,
        "business_background": application.job_title,
        "sectors": list(application.sectors or []),
        "travel_provinces": list(application.travel_provinces or []),
        "languages": list(application.languages or []),
        "availability_days_per_month": application.availability_days_per_month,
        "skills": skills_from_text(application.skills),
        "bio": application.motivation,
    }
    if application.travel_provinces and not profile.home_province:
        filled["home_province"] = application.travel_provinces[0]
    changed = []
    for name, value in filled.items():
        if value in (None, "", []) or getattr(profile, name) not in (None, "", []):
            continue
        setattr(profile, name, value)
        changed.append(name)
    if profile.source_application_id is None:
        profile.source_application = application
        changed.append("source_application")
    profile.full_clean()
    if changed:
        profile.save(update_fields=[*changed, "updated_at"])
    profile.cohorts.add(application.cohort_id)
    return profile


def coach_profiles_from_cohort(*, cohort) -> int:
    """Profiles for every accepted intrapreneur of the cohort (staff, before matching)."""
    applications = Application.objects.filter(
        cohort=cohort, status=ApplicationStatus.ACCEPTED, track__kind=TrackKind.INTRAPRENEUR
    ).select_related("cohort")
    return sum(1 for application in applications if coach_profile_from_application(application=application))


def coach_profile_for_accepted(*, user) -> CoachProfile | None:
    """The user's profile, made from their latest accepted intrapreneur application if need be."""
    profile = CoachProfile.objects.filter(user=user).first()
    if profile is not None or not user.is_authenticated:
        return profile
    application = (
        Application.objects.filter(
            applicant=user, status=ApplicationStatus.ACCEPTED, track__kind=TrackKind.INTRAPRENEUR
        )
        .order_by("-decided_at", "-pk")
        .first()
    )
    return coach_profile_from_application(application=application) if application else None


def coach_profile_update(*, profile: CoachProfile, data: dict) -> CoachProfile:
    changed = [name for name in PROFILE_FIELDS if name in data and getattr(profile, name) != data[name]]
    for name in changed:
        setattr(profile, name, data[name])
    profile.full_clean()
    if changed:
        profile.save(update_fields=[*changed, "updated_at"])
    return profile
