"""What outcomes holds about one person, for their PDPA download (`incubator.pdpa`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from incubator.pdpa import PersonalData, section


def personal_data(user) -> PersonalData:
    from outcomes.models import Measurement, Worksheet

    data = PersonalData()
    for key, title, queryset, extra in (
        (
            "worksheets",
            _("Outcome worksheets you entered"),
            Worksheet.objects.filter(entered_by=user).select_related("organisation").order_by("pk"),
            lambda w: {"organisation": w.organisation.name},
        ),
        (
            "measurements",
            _("Outcome figures you entered"),
            Measurement.objects.filter(entered_by=user).select_related("indicator").order_by("pk"),
            None,
        ),
    ):
        made, records = section(key, title, queryset, extra=extra)
        data.sections.append(made)
        data.records.extend(records)
    return data


def anonymise(user) -> None:
    from outcomes.models import Worksheet

    Worksheet.objects.filter(entered_by=user).update(note="", draft={})
