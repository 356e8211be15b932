"""Forms parse; services decide. Views turn service ValidationErrors into form errors."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from incubator.dates import BANGKOK, DateRangeValidator
from incubator.geo import PROVINCE_MODEL_CHOICES
from incubator.validators import MESSAGE_MAX, NOTE_MAX, TEXT_MAX
from workshops.enums import AttendanceStatus, Rsvp
from workshops.models import Workshop, WorkshopSeries
from workshops.services.notices import PLACEHOLDERS, reminder_text_validate
from workshops.services.series import Topic


class SeriesFromTemplateForm(forms.Form):
    starts_on = forms.DateField(
        label=_("First workshop starts on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[DateRangeValidator()],
    )
    weeks_apart = forms.IntegerField(label=_("Weeks between workshops"), min_value=1, max_value=52, initial=8)
    days_per_workshop = forms.IntegerField(label=_("Days per workshop"), min_value=1, max_value=7, initial=2)
    venue = forms.CharField(label=_("Venue"), max_length=255, required=False)
    province = forms.ChoiceField(
        label=_("Province"), choices=[("", "---------"), *PROVINCE_MODEL_CHOICES], required=False
    )
    topics = forms.CharField(
        label=_("Topics"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Leave empty for the three default workshops. Otherwise one workshop per line: Thai title | English title."
        ),
    )

    def clean_topics(self) -> list[Topic] | None:
        lines = [line.strip() for line in self.cleaned_data["topics"].splitlines() if line.strip()]
        if not lines:
            return None
        topics = []
        for line in lines:
            title, _sep, title_en = (part.strip() for part in line.partition("|"))
            if not title or len(title) > 255 or len(title_en) > 255:
                raise forms.ValidationError(_("Each line needs a Thai title of at most 255 characters."))
            topics.append(Topic(title=title, title_en=title_en))
        return topics


class SeriesCloneForm(forms.Form):
    source = forms.ModelChoiceField(label=_("Take the timeline of"), queryset=WorkshopSeries.objects.none())
    starts_on = forms.DateField(
        label=_("New first day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[DateRangeValidator()],
        help_text=_("Every date moves by the same number of days as the first one."),
    )

    def __init__(self, *args, series_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = series_queryset


class BangkokDateTimeField(forms.SplitDateTimeField):
    widget = forms.SplitDateTimeWidget(date_attrs={"type": "date"}, time_attrs={"type": "time"})
    default_validators = [DateRangeValidator()]

    def compress(self, data_list):
        if data_list and all(data_list):
            return datetime.combine(data_list[0], data_list[1], tzinfo=BANGKOK)
        return None


class SessionMoveForm(forms.Form):
    starts_at = BangkokDateTimeField(label=_("New start (Bangkok time)"))
    ends_at = BangkokDateTimeField(label=_("New end (Bangkok time)"))
    reason = forms.CharField(
        label=_("Reason (sent to participants)"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            # The label points at the date box only: each box says what it is to a screen reader.
            field = self.fields[name]
            date_widget, time_widget = field.widget.widgets
            date_widget.attrs = {**date_widget.attrs, "aria-label": _("%(field)s, date") % {"field": field.label}}
            time_widget.attrs = {**time_widget.attrs, "aria-label": _("%(field)s, time") % {"field": field.label}}


class SessionCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to participants)"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class RsvpForm(forms.Form):
    rsvp = forms.ChoiceField(
        label=_("Can you come?"),
        choices=[(Rsvp.YES, _("Yes, I will come")), (Rsvp.NO, _("No, I cannot come"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Why not?"), required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    needs_travel = forms.BooleanField(label=_("I need travel support"), required=False)
    needs_accommodation = forms.BooleanField(label=_("I need accommodation"), required=False)
    travel_notes = forms.CharField(
        label=_("Travel and accommodation notes"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    dietary_needs = forms.CharField(label=_("Dietary needs"), required=False, max_length=255)


class FeedbackForm(forms.Form):
    learned = forms.CharField(
        label=_("What did you learn?"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    will_try = forms.CharField(
        label=_("What will you try before the next workshop?"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    rating = forms.TypedChoiceField(
        label=_("How useful was the workshop? (1 = not useful, 5 = very useful)"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )


class AttendanceMarkForm(forms.Form):
    participant = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=AttendanceStatus.choices)


class ScanForm(forms.Form):
    payload = forms.CharField(label=_("Code"), max_length=500, help_text=_("Scan, or type the code under the QR."))


class AnnouncementForm(forms.Form):
    workshop = forms.ModelChoiceField(
        label=_("To"), queryset=Workshop.objects.none(), required=False, empty_label=_("The whole cohort")
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, series, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workshop"].queryset = series.workshops.order_by("order", "pk")


class ReminderTextForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = _(
            "Plain text, added to the standard reminder; leave empty for none. Placeholders: %(names)s"
        ) % {"names": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)}

    def clean_body(self):
        body = self.cleaned_data["body"]
        reminder_text_validate(body)
        return body
