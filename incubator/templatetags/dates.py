"""`{% load dates %}`: `{{ value|bdate }}` and `{{ value|bdatetime }}`, Buddhist Era in Thai."""

from django import template

from incubator.dates import format_date

register = template.Library()


@register.filter
def bdate(value):
    return format_date(value)


@register.filter
def bdatetime(value):
    return format_date(value, with_time=True)
