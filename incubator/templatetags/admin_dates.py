"""`{% load admin_dates %}`: `{{ title|buddhist_years }}` turns the Gregorian years in a label
Django built (the admin's date drill-down: "2026", "ธันวาคม 2026") into Buddhist Era years
when Thai is active, as `incubator.dates.format_date` does for dates."""

import re

from django import template
from django.utils import translation

from incubator.dates import BUDDHIST_ERA_OFFSET

register = template.Library()

_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2[01]\d\d)(?!\d)")


@register.filter
def buddhist_years(text):
    if (translation.get_language() or "th").split("-")[0] != "th":
        return text
    return _YEAR.sub(lambda match: str(int(match.group()) + BUDDHIST_ERA_OFFSET), str(text))
