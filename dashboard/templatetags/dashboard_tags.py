"""`{{ value|outcome:indicator }}`: an outcome value as the outcomes pages show it (yes/no,
stage names, baht and units)."""

from django import template

from outcomes.views import display_value

register = template.Library()


@register.filter
def outcome(value, indicator) -> str:
    return display_value(indicator, value)


@register.filter
def signed(value) -> str:
    """A change with its sign: "+12", "-3.5", "0"."""
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value):,}"
    return f"+{text}" if value > 0 else text
