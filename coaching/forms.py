"""Forms parse; services decide (coaching.services)."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from coaching.enums import WELLBEING_SCALE, ActionOwner, ActionStatus, Language, Need, Sector, VisitPhase
from coaching.models import CoachProfile, Milestone, Visit
from coaching.services.visits import MAX_PHOTOS, NewAction, PhotoUpload, VisitInput
from incubator.dates import DateRangeValidator, parse_iso_date
from incubator.geo import PROVINCE_CHOICES
from incubator.validators import NOTE_MAX, NUL_MESSAGE, QUERY_MAX

# The action row's text box (ActionItem.title).
ACTION_TITLE_MAX = 300


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class VisitForm(forms.ModelForm):
    client_id = forms.UUIDField(label=_("client id"), widget=forms.HiddenInput)

    class Meta:
        model = Visit
        fields = [
            "visited_on", "mode", "place", "province", "latitude", "longitude", "phase", "milestone",
            "observations", "challenges", "costs", "beneficiaries", "impact_unit_cost", "wellbeing_score",
            "wellbeing_note", "next_visit_on", "shared_with_leader",
        ]  # fmt: skip
        widgets = {
            "visited_on": DateInput(),
            "next_visit_on": DateInput(),
            "latitude": forms.HiddenInput,
            "longitude": forms.HiddenInput,
            "mode": forms.RadioSelect,
            "phase": forms.RadioSelect,
            "wellbeing_score": forms.RadioSelect,
            "observations": forms.Textarea(attrs={"rows": 5}),
            "challenges": forms.Textarea(attrs={"rows": 3}),
            "wellbeing_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, match, **kwargs):
        super().__init__(*args, **kwargs)
        self.match = match
        self.fields["province"].choices = [("", "—"), *PROVINCE_CHOICES]
        self.fields["milestone"].queryset = Milestone.objects.filter(plan__match=match).order_by("due_on", "pk")
        self.fields["milestone"].required = False
        self.fields["visited_on"].required = True
        self.fields["phase"].choices = VisitPhase.choices
        self.fields["wellbeing_score"].required = False
        self.fields["wellbeing_score"].choices = list(WELLBEING_SCALE)  # no "---------" radio
        self.action_errors: list[str] = []
        self.parsed_extras = ([], {}, [])
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.HiddenInput | forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input" if isinstance(widget, forms.CheckboxInput) else "")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def parse_extras(self, data, files, open_actions) -> None:
        """Agreed actions (repeated rows), earlier actions' statuses and photos."""
        actions = []
        titles = data.getlist("action_title")
        owners = data.getlist("action_owner")
        dues = data.getlist("action_due")
        for index, title in enumerate(titles):
            title = title.strip()
            owner = owners[index] if index < len(owners) else ActionOwner.LEADER
            due_text = dues[index] if index < len(dues) else ""
            if not title:
                if due_text:
                    self.action_errors.append(_("An action needs a description."))
                continue
            due = parse_iso_date(due_text) if due_text else None
            if due_text and due is None:
                self.action_errors.append(_("Give the action's due date as a date."))
            if "\x00" in title:
                self.action_errors.append(str(NUL_MESSAGE))
                continue
            if len(title) > ACTION_TITLE_MAX:
                self.action_errors.append(
                    _("Please keep an action to %(limit)d characters; it has %(count)d now.")
                    % {"limit": ACTION_TITLE_MAX, "count": len(title)}
                )
                continue
            if owner not in ActionOwner.values:
                owner = ActionOwner.LEADER
            actions.append(NewAction(title=title, owner=owner, due_on=due))
        updates = {}
        for action in open_actions:
            status = data.get(f"carry_{action.pk}")
            if status in ActionStatus.values:
                updates[action.pk] = status
        photos = []
        uploads = files.getlist("photo")
        ids = data.getlist("photo_client_id")
        if len(uploads) > MAX_PHOTOS:
            self.action_errors.append(_("At most %(n)d photos per visit.") % {"n": MAX_PHOTOS})
        for index, upload in enumerate(uploads[:MAX_PHOTOS]):
            try:
                client_id = uuid.UUID(ids[index])
            except (IndexError, ValueError):
                client_id = uuid.uuid4()
            photos.append(PhotoUpload(client_id=client_id, file=upload))
        self.parsed_extras = (actions, updates, photos)

    def is_valid_with_extras(self) -> bool:
        return self.is_valid() and not self.action_errors

    def visit_input(self) -> VisitInput:
        actions, updates, photos = self.parsed_extras
        fields = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        return VisitInput(fields=fields, actions=actions, action_updates=updates, photos=photos)


class ProfileForm(forms.ModelForm):
    skills = forms.MultipleChoiceField(
        label=_("Skills"), choices=Need.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors"), choices=Sector.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=Language.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    travel_provinces = forms.MultipleChoiceField(
        label=_("Provinces you can travel to"), choices=PROVINCE_CHOICES, required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )  # fmt: skip

    class Meta:
        model = CoachProfile
        fields = [
            "kind", "skills", "sectors", "employer", "business_background", "home_province", "travel_provinces",
            "languages", "capacity", "availability_days_per_month", "availability_note", "bio",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_province"].choices = [("", "—"), *PROVINCE_CHOICES]


class EndMatchForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does the match end?"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class GoalForm(forms.Form):
    after_workshop = forms.TypedChoiceField(
        label=_("After workshop"), coerce=int, choices=[(1, "1"), (2, "2"), (3, "3")]
    )
    text = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=255)
    due_on = forms.DateField(label=_("Date"), widget=DateInput(), validators=[DateRangeValidator()])


class VisitFilterForm(forms.Form):
    cohort = forms.TypedChoiceField(label=_("Cohort"), coerce=int, required=False, empty_value=None)
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=QUERY_MAX)
    coach = forms.CharField(label=_("Coach"), required=False, max_length=QUERY_MAX)
    phase = forms.ChoiceField(label=_("Phase"), choices=[("", "—"), *VisitPhase.choices], required=False)
    province = forms.ChoiceField(label=_("Province"), choices=[("", "—"), *PROVINCE_CHOICES], required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput(), validators=[DateRangeValidator()])
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput(), validators=[DateRangeValidator()])

    def __init__(self, *args, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].choices = [("", "—"), *[(c.pk, str(c)) for c in cohorts]]
        for field in self.fields.values():  # Bootstrap widths: the filters fit a phone's width
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css


def validation_messages(error: ValidationError) -> list[str]:
    return list(error.messages)
