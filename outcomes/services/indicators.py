"""Indicators of a program: the default template, applied once per program (idempotent)."""

from __future__ import annotations

from cohorts.models import Program
from outcomes.defaults import DEFAULT_INDICATORS
from outcomes.models import Indicator


def indicators_apply_template(*, program: Program) -> int:
    """Give `program` the default indicators it does not have yet (by code); returns how
    many were added. Indicators staff changed or switched off are left as they are."""
    have = set(Indicator.objects.filter(program=program).values_list("code", flat=True))
    rows = [
        Indicator(
            program=program, code=code, name_th=name_th, name_en=name_en, unit_th=unit_th, unit_en=unit_en,
            kind=kind, direction=direction, workshop_number=workshop, order=index * 10,
        )
        for index, (code, name_th, name_en, unit_th, unit_en, kind, direction, workshop) in enumerate(
            DEFAULT_INDICATORS, start=1
        )
        if code not in have
    ]  # fmt: skip
    Indicator.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
