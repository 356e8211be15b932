from io import StringIO

import pytest
from django.core.management import call_command

from cohorts.models import Cohort
from outcomes import selectors
from outcomes.models import Measurement, Worksheet

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_the_finished_cohort_outcomes_before_and_after_once():
    call_command("seed_demo", stdout=StringIO())
    counts = (Measurement.objects.count(), Worksheet.objects.count())

    call_command("seed_demo", stdout=StringIO())

    assert counts == (Measurement.objects.count(), Worksheet.objects.count())
    finished = Cohort.objects.get(slug="ifc-2025")
    changes = {c.indicator.code: c for c in selectors.organisation_changes(cohort=finished)}
    assert (changes["paid_staff"].baseline_value, changes["paid_staff"].latest_value) == (3, 4)
    assert changes["grant_income_share"].better is True  # 85 % -> 70 %: less dependent on grants
    assert changes["impact_unit_cost"].better is True  # computed from costs and beneficiaries
    running = Cohort.objects.get(slug="ifc-2026")
    sources = set(Measurement.objects.filter(cohort=running).values_list("source", flat=True))
    assert sources == {"baseline", "visit"}  # the coaching demo's finance visits count too
