"""What cohorts holds about one person, for their PDPA download (`incubator.pdpa`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from incubator.pdpa import PersonalData, export_file_name, section


def personal_data(user) -> PersonalData:
    from cohorts.models import (
        Answer,
        Application,
        DeadlineExtension,
        InterviewBooking,
        Organisation,
        Participant,
        ReviewerExpertise,
    )

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
            "interview_bookings",
            _("Interview bookings"),
            InterviewBooking.objects.filter(application__applicant=user).select_related("slot").order_by("pk"),
            lambda b: {
                "starts_at": b.slot.starts_at.isoformat() if b.slot else "",
                "place": b.slot.place if b.slot else "",
            },
        ),
        (
            "participations",
            _("Cohorts you take part in"),
            Participant.objects.filter(user=user).select_related("cohort").order_by("pk"),
            lambda p: {"cohort": p.cohort.name},
        ),
        ("review_expertise", _("Your expertise as a reviewer"), ReviewerExpertise.objects.filter(user=user), None),
        (
            "deadline_extensions",
            _("More time you were given"),
            DeadlineExtension.objects.filter(person=user).select_related("cohort").order_by("pk"),
            lambda e: {"cohort": e.cohort.name},
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


def anonymise(user) -> None:
    from django.db.models import Q

    from cohorts.models import Application, DeadlineExtension, Organisation, ReviewerExpertise
    from cohorts.services.retention import applications_blank

    applications_blank(list(Application.objects.filter(applicant=user).values_list("pk", flat=True)))
    theirs = Q(created_by=user) | Q(contact_email__iexact=user.email)
    if user.full_name.strip():
        theirs |= Q(contact_name=user.full_name.strip())
    if user.phone.strip():
        theirs |= Q(contact_phone=user.phone.strip())
    Organisation.objects.filter(theirs).update(contact_name="", contact_email="", contact_phone="")
    ReviewerExpertise.objects.filter(user=user).delete()
    # Their extensions: the dates stay (the selection's record), the address and the reason
    # staff wrote about them go; late-entry links sent to their address and never opened go.
    DeadlineExtension.objects.filter(person__isnull=True, email__iexact=user.email).delete()  # links never opened
    DeadlineExtension.objects.filter(person=user).update(email="", reason="")
    DeadlineExtension.history.filter(Q(person=user) | Q(email__iexact=user.email)).update(email="", reason="")


def kept(user) -> list[str]:
    from django.utils.translation import gettext

    from cohorts.models import Participant

    return [
        gettext(
            "%(cohort)s: that you took part, your role and dates, without your name or contact details: "
            "the program reports its participants and their organisations' budgets to its funder under "
            "the grant agreement."
        )
        % {"cohort": participant.cohort.name}
        for participant in Participant.objects.filter(user=user).select_related("cohort")
    ]
