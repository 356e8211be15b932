"""What coaching holds about one person, for their PDPA download (`incubator.pdpa`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from incubator.pdpa import PersonalData, export_file_name, section


def personal_data(user) -> PersonalData:
    from coaching.models import CoachProfile, VisitPhoto
    from coaching.selectors import visits_about_person

    data = PersonalData()
    visits = list(visits_about_person(user))
    photos = list(VisitPhoto.objects.filter(visit__in=[visit.pk for visit in visits]).order_by("pk"))
    for key, title, queryset, extra in (
        ("coach_profile", _("Coach profile"), CoachProfile.objects.filter(user=user), None),
        (
            "visits",
            _("Field visits"),
            visits,
            lambda v: {"organisation": v.match.organisation.name, "cohort": v.match.cohort.name},
        ),
        ("visit_photos", _("Visit photos"), photos, None),
    ):
        made, records = section(key, title, queryset, extra=extra)
        data.sections.append(made)
        data.records.extend(records)
    for photo in photos:
        data.files.append(
            (export_file_name(f"visit-{photo.visit_id}", photo.image.name, photo.image.name), photo.image.name)
        )
    return data


VISIT_TEXT = {
    "place": "",
    "latitude": None,
    "longitude": None,
    "observations": "",
    "challenges": "",
    "wellbeing_note": "",
    "draft": {},
}


def anonymise(user) -> None:
    from coaching.models import CoachProfile, Visit, VisitPhoto
    from incubator.pdpa import delete_file_on_commit

    CoachProfile.objects.filter(user=user).update(employer="", business_background="", bio="", availability_note="")
    visits = Visit.objects.filter(author=user)
    photos = VisitPhoto.objects.filter(visit__in=visits)
    for name in photos.values_list("image", flat=True):
        delete_file_on_commit(name)
    photos.delete()
    fields = {f.name for f in Visit._meta.concrete_fields}
    visits.update(**{name: value for name, value in VISIT_TEXT.items() if name in fields})
