from datetime import date
from decimal import Decimal

import factory

from outcomes import enums, models


def indicator(program, code: str) -> models.Indicator:
    """The program's indicator of the default template (every program has them)."""
    return models.Indicator.objects.get(program=program, code=code)


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Measurement

    indicator = None
    cohort = None
    organisation = None
    value = Decimal("10")
    measured_on = factory.LazyFunction(lambda: date(2026, 11, 1))
    source = enums.MeasurementSource.STAFF
