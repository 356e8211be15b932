"""Forms of the staged decisions page: one row of fields per application that can still be
decided (decision, waiting-list position, note), a bulk decision for the selected rows, and the
send confirmation. The rows are a table, so the template lays the fields out itself (crispy
lays out one form per page; here every row is a line of the grid), and writes each row's
`<select>` and `<input>`s by hand from `DecisionsForm.row()`: Django's widget renderer costs a
template include per option, which at a page of 100 rows is most of the page's time.

The page shows one page of a filtered list (`DecisionsFilterForm`), so a POST covers the rows
it names (`posted_pks`): a row that was not on the page is never read as "not staged"."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cohorts.enums import DECISION_STATUSES, SUBMITTED_STATUSES, ApplicationStatus
from cohorts.models import Application
from cohorts.models.decisions import DECISION_NOTE_MAX, WAITLIST_POSITION_MAX
from cohorts.services.selection import DECIDABLE_STATUSES

ACTION_SAVE = "save"
ACTION_BULK = "bulk"

NOT_STAGED = ""

ALL_PHASES = "all"
STAGED_ANY = ""
STAGED_NONE = "none"


class DecisionsFilterForm(forms.Form):
    """The page's filter (GET): the phase the applications stand in (default: the call's last
    phase that has applications; "all": every handed-in one), their current status, and their
    staged decision. A value that is not offered falls back to its default."""

    phase = forms.ChoiceField(label=_("Phase"), required=False)
    status = forms.ChoiceField(label=_("Current status"), required=False)
    staged = forms.ChoiceField(label=_("Staged decision"), required=False)

    def __init__(self, *args, phases, **kwargs):
        super().__init__(*args, **kwargs)
        self.phases = phases
        self.fields["phase"].choices = [
            (ALL_PHASES, _("All phases")),
            *((str(phase.pk), f"{phase} ({phase.handed_in})") for phase in phases),
        ]
        self.fields["status"].choices = [
            ("", _("Any status")),
            *((status.value, status.label) for status in SUBMITTED_STATUSES),
        ]
        self.fields["staged"].choices = [
            (STAGED_ANY, _("Any")),
            (STAGED_NONE, _("None staged")),
            *((status.value, status.label) for status in DECISION_STATUSES),
        ]

    def default_phase(self):
        """The call's last phase that has handed-in applications (None: no phase has any)."""
        return next((phase for phase in reversed(self.phases) if phase.handed_in), None)

    def values(self) -> dict[str, str]:
        """{phase, status, staged}, each a valid value: what was asked, else the default
        (phase: the default phase's id, or "all" when there is none)."""
        default = self.default_phase()
        values = {"phase": str(default.pk) if default else ALL_PHASES, "status": "", "staged": STAGED_ANY}
        if not self.is_bound:
            return values
        for name in values:
            raw = self.data.get(name)
            if raw and raw in {str(value) for value, _label in self.fields[name].choices}:
                values[name] = raw
        return values

    def chosen_phase(self):
        """The Phase to list, or None for all handed-in applications."""
        value = self.values()["phase"]
        return next((phase for phase in self.phases if str(phase.pk) == value), None)


def posted_pks(data) -> list[int]:
    """The application ids a POST of the page names (its rows' `status_<pk>` and the selected
    ones), in the order they came: the rows that were shown."""
    pks = []
    for key in data:
        if key.startswith("status_") and key[7:].isdigit():
            pks.append(int(key[7:]))
    for value in data.getlist("selected"):
        if value.isdigit() and int(value) not in pks:
            pks.append(int(value))
    return pks


def decision_choices(empty_label) -> list[tuple[str, str]]:
    return [(NOT_STAGED, empty_label), *((status.value, status.label) for status in DECISION_STATUSES)]


class DecisionsForm(forms.Form):
    """Fields `status_<pk>`, `position_<pk>`, `note_<pk>` for each decidable application of
    `applications` (rank order), initial from its staged decision; `selected` and
    `bulk_status` for the bulk action. `changes()` lists what differs from what is staged."""

    action = forms.ChoiceField(choices=[(ACTION_SAVE, ACTION_SAVE), (ACTION_BULK, ACTION_BULK)], initial=ACTION_SAVE)
    selected = forms.TypedMultipleChoiceField(
        label=_("Selected applications"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    bulk_status = forms.ChoiceField(label=_("Decision for the selected applications"), required=False)

    def __init__(self, *args, applications: list[Application], **kwargs):
        super().__init__(*args, **kwargs)
        self.applications = [a for a in applications if a.status in DECIDABLE_STATUSES]
        self.by_pk = {application.pk: application for application in self.applications}
        self.fields["selected"].choices = [(a.pk, str(a.pk)) for a in self.applications]
        self.fields["bulk_status"].choices = decision_choices(_("Choose a decision"))
        self.fields["bulk_status"].widget.attrs["data-testid"] = "bulk-status"
        for application in self.applications:
            pending = getattr(application, "pending_decision", None) if has_pending(application) else None
            pk = application.pk
            self.fields[f"status_{pk}"] = forms.ChoiceField(
                label=pgettext_lazy("staged decision", "Decision"),
                required=False,
                choices=decision_choices(_("Not staged")),
                initial=pending.status if pending else NOT_STAGED,
                widget=forms.Select(attrs={"data-testid": f"status-{pk}", "class": "form-select form-select-sm"}),
            )
            self.fields[f"position_{pk}"] = forms.IntegerField(
                label=_("Waiting list position"),
                required=False,
                min_value=1,
                max_value=WAITLIST_POSITION_MAX,
                initial=pending.waitlist_position if pending else None,
                widget=forms.NumberInput(
                    attrs={"data-testid": f"position-{pk}", "class": "form-control form-control-sm", "size": 4}
                ),
            )
            self.fields[f"note_{pk}"] = forms.CharField(
                label=_("Note for staff"),
                required=False,
                max_length=DECISION_NOTE_MAX,
                initial=pending.note if pending else "",
                widget=forms.TextInput(attrs={"data-testid": f"note-{pk}", "class": "form-control form-control-sm"}),
            )

    def row(self, application: Application) -> dict:
        """One application's row for the template, which writes its inputs by hand: the value
        to show in each (what was typed, after a refused save) and each field's errors."""
        pk = application.pk
        if pk not in self.by_pk:
            return {}
        status, position, note = self[f"status_{pk}"], self[f"position_{pk}"], self[f"note_{pk}"]
        return {
            "status": str(status.value() or NOT_STAGED),
            "position": "" if position.value() is None else str(position.value()),
            "note": note.value() or "",
            "status_errors": status.errors,
            "position_errors": position.errors,
            "note_errors": note.errors,
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == ACTION_BULK:
            if not cleaned.get("selected"):
                self.add_error("selected", _("Select at least one application."))
            if not cleaned.get("bulk_status"):
                self.add_error("bulk_status", _("Choose the decision for the selected applications."))
            return cleaned
        for pk in self.by_pk:
            status, position = cleaned.get(f"status_{pk}"), cleaned.get(f"position_{pk}")
            if position is not None and status != ApplicationStatus.WAITLISTED:
                self.add_error(f"position_{pk}", _("Only a waitlisted application has a place on the waiting list."))
        return cleaned

    def changes(self) -> list[tuple[Application, str, int | None, str]]:
        """(application, decision or NOT_STAGED, position, note) for each row whose values
        differ from what is staged."""
        result = []
        for pk, application in self.by_pk.items():
            status = self.cleaned_data.get(f"status_{pk}") or NOT_STAGED
            position = self.cleaned_data.get(f"position_{pk}")
            note = self.cleaned_data.get(f"note_{pk}") or ""
            pending = application.pending_decision if has_pending(application) else None
            if pending is None and status == NOT_STAGED:
                continue
            same_position = position is None or position == pending.waitlist_position if pending else False
            if pending is not None and (status, note) == (pending.status, pending.note) and same_position:
                continue
            result.append((application, status, position, note))
        return result


def has_pending(application: Application) -> bool:
    try:
        return application.pending_decision is not None
    except Application.pending_decision.RelatedObjectDoesNotExist:
        return False


class SendForm(forms.Form):
    """The one button of the confirmation page; `expected_count` is what the page showed."""

    expected_count = forms.IntegerField(min_value=0, max_value=1_000_000, widget=forms.HiddenInput)
