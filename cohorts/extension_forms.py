"""Forms of the staff page of deadline extensions: grant, late-entry link, revoke."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from cohorts.form_fields import LongTextField
from cohorts.models import EXTENSION_REASON_MAX, Cohort
from cohorts.selectors.extensions import applicant_for_cohort_by_email
from incubator.dates import BANGKOK, DateRangeValidator


class BangkokDateTimeField(forms.SplitDateTimeField):
    """A date box and a time box, read as Bangkok time."""

    widget = forms.SplitDateTimeWidget(date_attrs={"type": "date"}, time_attrs={"type": "time", "step": "1"})
    default_validators = [DateRangeValidator()]

    def compress(self, data_list):
        if data_list and all(data_list):
            return datetime.combine(data_list[0], data_list[1], tzinfo=BANGKOK)
        return None


class _ExtensionForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    until = BangkokDateTimeField(label=_("New deadline (Bangkok time)"))
    reason = LongTextField(label=_("Reason (kept in the log)"), max_length=EXTENSION_REASON_MAX, rows=2)

    def __init__(self, *args, cohort: Cohort, **kwargs):
        self.cohort = cohort
        super().__init__(*args, **kwargs)
        field = self.fields["until"]
        date_widget, time_widget = field.widget.widgets
        date_widget.attrs = {**date_widget.attrs, "aria-label": _("%(field)s, date") % {"field": field.label}}
        time_widget.attrs = {**time_widget.attrs, "aria-label": _("%(field)s, time") % {"field": field.label}}


class ExtensionGrantForm(_ExtensionForm):
    """More time for one applicant of the call, found by their email address."""

    def clean_email(self):
        email = self.cleaned_data["email"]
        self.person = applicant_for_cohort_by_email(cohort=self.cohort, email=email)
        if self.person is None:
            raise forms.ValidationError(
                _(
                    "No applicant of this call has this email address. "
                    "For someone who has not started, send a late-entry link."
                )
            )
        return email


class LateEntryLinkForm(_ExtensionForm):
    """A signed link for someone who has not started an application."""


class ExtensionRevokeForm(forms.Form):
    extension = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
