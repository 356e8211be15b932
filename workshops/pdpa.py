"""What workshops holds about one person, for their PDPA download (`incubator.pdpa`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from incubator.pdpa import PersonalData, section


def personal_data(user) -> PersonalData:
    from workshops.models import Attendance, Feedback, Registration

    data = PersonalData()
    for key, title, queryset, extra in (
        (
            "workshop_registrations",
            _("Workshop registrations"),
            Registration.objects.filter(participant__user=user).select_related("workshop").order_by("pk"),
            lambda r: {"workshop": r.workshop.title},
        ),
        (
            "attendance",
            _("Attendance"),
            Attendance.objects.filter(participant__user=user).select_related("session__workshop").order_by("pk"),
            lambda a: {"workshop": a.session.workshop.title},
        ),
        (
            "workshop_feedback",
            _("Workshop feedback"),
            Feedback.objects.filter(participant__user=user).select_related("workshop").order_by("pk"),
            lambda f: {"workshop": f.workshop.title},
        ),
    ):
        made, records = section(key, title, queryset, extra=extra)
        data.sections.append(made)
        data.records.extend(records)
    return data


REGISTRATION_TEXT = {"reason": "", "travel_notes": "", "dietary_needs": ""}


def anonymise(user) -> None:
    from workshops.models import CalendarFeed, Feedback, Registration

    Feedback.objects.filter(participant__user=user).update(learned="", will_try="")
    registrations = Registration.objects.filter(participant__user=user)
    ids = list(registrations.values_list("pk", flat=True))
    registrations.update(**REGISTRATION_TEXT)
    Registration.history.model.objects.filter(id__in=ids).update(**REGISTRATION_TEXT)
    CalendarFeed.objects.filter(user=user).delete()
