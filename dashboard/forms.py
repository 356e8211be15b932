"""Forms of the dashboard: staff's report paragraphs, consent buttons, the research export."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from cohorts.form_fields import LongTextField
from dashboard.enums import ConsentSubject, ReportSection
from dashboard.models import NARRATIVE_MAX


class NarrativeForm(forms.Form):
    """One paragraph per report section, each with its visible limit."""

    def __init__(self, *args, initial_texts: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in ReportSection.choices:
            self.fields[value] = LongTextField(
                max_length=NARRATIVE_MAX, rows=4, required=False, label=label,
                initial=(initial_texts or {}).get(value, ""),
            )  # fmt: skip
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save the paragraphs")))

    def texts(self) -> dict[str, str]:
        return {value: self.cleaned_data.get(value, "") for value in ReportSection.values}


class ConsentForm(forms.Form):
    ACTIONS = (("give", _("I agree")), ("withdraw", _("Withdraw my consent")))

    subject = forms.ChoiceField(choices=ConsentSubject.choices)
    action = forms.ChoiceField(choices=ACTIONS)


class ResearchExportForm(forms.Form):
    cohorts = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, label=_("Cohorts to export")
    )

    def __init__(self, *args, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohorts"].queryset = cohorts
        self.helper = FormHelper()
        self.helper.add_input(Submit("export", _("Download the dataset (ZIP)")))
