"""What cohorts holds about one person, for their PDPA download (`incubator.pdpa`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from incubator.pdpa import PersonalData, export_file_name, section


def personal_data(user) -> PersonalData:
    from cohorts.models import Answer, Application, Organisation, Participant

    data = PersonalData()
    applications = Application.objects.filter(applicant=user).select_related("cohort", "track").order_by("pk")
    answers = list(
        Answer.objects.filter(application__applicant=user).select_related("question").order_by("application_id", "pk")
    )
    for key, title, queryset, extra in (
        ("applications", _("Applications"), applications, lambda a: {"cohort": a.cohort.name}),
        ("answers", _("Answers"), answers, lambda a: {"question": a.question.text}),
        ("organisations", _("Organisations you entered"), Organisation.objects.filter(created_by=user), None),
        (
            "participations",
            _("Cohorts you take part in"),
            Participant.objects.filter(user=user).select_related("cohort").order_by("pk"),
            lambda p: {"cohort": p.cohort.name},
        ),
    ):
        made, records = section(key, title, queryset, extra=extra)
        data.sections.append(made)
        data.records.extend(records)
    for answer in answers:
        if answer.file:
            original = answer.value if isinstance(answer.value, str) else ""
            data.files.append(
                (export_file_name(f"application-{answer.application_id}", original, answer.file.name), answer.file.name)
            )
    return data
