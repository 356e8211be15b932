from django import template

from coaching.enums import Need
from coaching.explain import reasons_text
from incubator.geo import province_name

register = template.Library()


@register.filter
def need_labels(codes) -> str:
    labels = dict(Need.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes or [])


@register.filter
def province_label(code) -> str:
    return province_name(code) if code else ""


@register.filter
def reasons(value) -> str:
    return reasons_text(value)


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)
