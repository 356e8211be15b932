"""Every existing program gets the default indicators, and the figures of visits already
submitted become measurements (the receivers in outcomes.signals do both from now on)."""

from decimal import Decimal

from django.db import migrations

from outcomes.defaults import DEFAULT_INDICATORS, VISIT_FIGURES


def forwards(apps, schema_editor):
    Program = apps.get_model("cohorts", "Program")
    Indicator = apps.get_model("outcomes", "Indicator")
    Measurement = apps.get_model("outcomes", "Measurement")
    Visit = apps.get_model("coaching", "Visit")
    for program in Program.objects.all():
        have = set(Indicator.objects.filter(program=program).values_list("code", flat=True))
        Indicator.objects.bulk_create(
            [
                Indicator(
                    program=program, code=code, name_th=name_th, name_en=name_en, unit_th=unit_th, unit_en=unit_en,
                    kind=kind, direction=direction, workshop_number=workshop, order=index * 10,
                )
                for index, (code, name_th, name_en, unit_th, unit_en, kind, direction, workshop) in enumerate(
                    DEFAULT_INDICATORS, start=1
                )
                if code not in have
            ]
        )  # fmt: skip
    visits = Visit.objects.filter(status="submitted", visited_on__isnull=False).select_related("match__cohort")
    for visit in visits.iterator():
        indicators = {
            ind.code: ind
            for ind in Indicator.objects.filter(program_id=visit.match.cohort.program_id, code__in=VISIT_FIGURES.values())
        }
        for field, code in VISIT_FIGURES.items():
            raw = getattr(visit, field)
            if raw is None or code not in indicators:
                continue
            Measurement.objects.get_or_create(
                visit=visit, indicator=indicators[code],
                defaults={
                    "cohort_id": visit.match.cohort_id, "organisation_id": visit.match.organisation_id,
                    "value": Decimal(raw).quantize(Decimal("0.01")), "measured_on": visit.visited_on,
                    "source": "visit", "entered_by_id": visit.author_id,
                },
            )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("outcomes", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
