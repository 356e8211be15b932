from io import StringIO

import pytest
from django.core.management import call_command

from coaching.enums import MatchStatus
from coaching.models import ActionItem, Match, PlanGoal, Visit

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_confirmed_pairs_with_plans_visits_and_actions_once():
    call_command("seed_demo", stdout=StringIO())
    counts = (Match.objects.count(), Visit.objects.count(), ActionItem.objects.count(), PlanGoal.objects.count())

    call_command("seed_demo", stdout=StringIO())

    assert counts == (
        Match.objects.count(),
        Visit.objects.count(),
        ActionItem.objects.count(),
        PlanGoal.objects.count(),
    )
    assert Match.objects.filter(status=MatchStatus.CONFIRMED, coach__user__email="coach@incubator.local").exists()
    assert Visit.objects.filter(match__organisation__participant__user__email="leader@incubator.local").count() >= 2
    assert counts[2] >= 2
