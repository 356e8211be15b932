"""Forms parse; services decide (outcomes.services)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from cohorts.form_fields import LongTextField
from outcomes.enums import SCALE_CHOICES, YES_NO_CHOICES, IndicatorKind, Stage
from outcomes.models import NOTE_MAX
from outcomes.services.measurements import MAX_VALUE


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def field_name(indicator) -> str:
    return f"ind_{indicator.code}"


def _indicator_field(indicator) -> forms.Field:
    label = indicator.display_name
    unit = indicator.display_unit
    if unit and indicator.kind not in (IndicatorKind.SCALE, IndicatorKind.YES_NO):
        label = f"{label} ({unit})"
    common = {"label": label, "required": False}
    if indicator.kind == IndicatorKind.YES_NO:
        return forms.TypedChoiceField(choices=YES_NO_CHOICES, coerce=int, widget=forms.RadioSelect, **common)
    if indicator.kind == IndicatorKind.SCALE:
        return forms.TypedChoiceField(choices=SCALE_CHOICES, coerce=int, widget=forms.RadioSelect, **common)
    if indicator.kind == IndicatorKind.STAGE:
        return forms.TypedChoiceField(
            choices=[("", "—"), *Stage.choices], coerce=int, empty_value=None, widget=forms.Select, **common
        )
    field = forms.DecimalField(
        min_value=0,
        max_value=100 if indicator.kind == IndicatorKind.PERCENT else MAX_VALUE,
        max_digits=16,
        decimal_places=2,
        localize=False,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
        **common,
    )
    if indicator.code == "impact_unit_cost":
        field.help_text = _("Left empty, it is computed from the yearly costs and the beneficiaries.")
    return field


class WorksheetForm(forms.Form):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    measured_on = forms.DateField(label=_("Figures as of"), widget=DateInput())
    note = LongTextField(label=_("Note"), max_length=NOTE_MAX, rows=3, required=False)

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for indicator in self.indicators:
            self.fields[field_name(indicator)] = _indicator_field(indicator)
        order = ["client_id", "measured_on", *(field_name(i) for i in self.indicators), "note"]
        self.order_fields(order)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_note(self):
        note = self.cleaned_data.get("note") or ""
        if "\x00" in note:
            raise forms.ValidationError(_("The note contains a character that cannot be saved."))
        return note

    def values(self) -> dict:
        """{indicator code: value} of the figures given (blanks left out)."""
        values = {}
        for indicator in self.indicators:
            value = self.cleaned_data.get(field_name(indicator))
            if value not in (None, ""):
                values[indicator.code] = value
        return values
