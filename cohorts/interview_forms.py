"""Forms of the interview pages: staff publish a run of slots; an applicant picks one.
The forms parse; `cohorts.services.interviews` decides (its errors come back on the form)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cohorts.access import staff_of_programs
from cohorts.form_fields import LongTextField
from cohorts.models import InterviewSlot, Phase
from cohorts.models.interviews import PLACE_MAX, SLOT_CAPACITY_MAX
from cohorts.services.interviews import LENGTH_MINUTES_MAX, LENGTH_MINUTES_MIN, SLOTS_PER_RUN_MAX
from incubator.admin import person_label
from incubator.dates import DateRangeValidator
from incubator.validators import TEXT_MAX


class SlotPublishForm(forms.Form):
    date = forms.DateField(
        label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}), validators=[DateRangeValidator()]
    )
    first_start = forms.TimeField(
        label=_("First interview starts at (Bangkok time)"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    length_minutes = forms.IntegerField(
        label=_("Minutes per interview"), initial=30, min_value=LENGTH_MINUTES_MIN, max_value=LENGTH_MINUTES_MAX
    )
    gap_minutes = forms.IntegerField(
        label=_("Break between interviews (minutes)"), initial=0, min_value=0, max_value=LENGTH_MINUTES_MAX
    )
    count = forms.IntegerField(label=_("Number of slots"), initial=6, min_value=1, max_value=SLOTS_PER_RUN_MAX)
    capacity = forms.IntegerField(label=_("Applicants per slot"), initial=1, min_value=1, max_value=SLOT_CAPACITY_MAX)
    place = forms.CharField(label=_("Place"), required=False, max_length=PLACE_MAX)
    online_url = forms.URLField(label=_("Online meeting link"), required=False, max_length=500, assume_scheme="https")
    panel = forms.ModelMultipleChoiceField(
        label=_("Panel"),
        required=False,
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They score the interviews of these slots against the phase's rubric."),
    )
    note = LongTextField(label=_("Note for applicants"), required=False, max_length=TEXT_MAX, rows=2)

    def __init__(self, *args, phase: Phase, **kwargs):
        super().__init__(*args, **kwargs)
        people = get_user_model().objects.filter(is_active=True)
        self.fields["panel"].queryset = (
            people.filter(Q(review_phases=phase) | staff_of_programs(program_ids=[phase.cohort.program_id]))
            .distinct()
            .order_by("full_name", "email")
        )
        self.fields["panel"].label_from_instance = person_label
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Div(
                Div(Field("date"), css_class="col-sm-6"),
                Div(Field("first_start"), css_class="col-sm-6"),
                Div(Field("length_minutes"), css_class="col-sm-4"),
                Div(Field("gap_minutes"), css_class="col-sm-4"),
                Div(Field("count"), css_class="col-sm-4"),
                css_class="row",
            ),
            "capacity",
            "place",
            "online_url",
            "panel",
            "note",
            Submit("publish", _("Publish the slots"), css_class="btn btn-primary", data_testid="publish-slots"),
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in self.fields}


class SlotChoiceForm(forms.Form):
    """The slot the applicant books (or moves to): one of the open ones."""

    slot = forms.ModelChoiceField(
        queryset=InterviewSlot.objects.none(),
        error_messages={"invalid_choice": _("That time is no longer open. Please choose another.")},
    )

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = slots
