"""Staff forms for words sent to applicants: a program's own email texts and a message to a
group of a call's applicants. Forms parse; the services (cohorts.services.emails, .messages)
decide, and the views turn their ValidationErrors into form errors."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from cohorts.enums import MessageGroup
from cohorts.models import Application, Cohort, Phase, Program
from cohorts.models.messages import SUBJECT_MAX
from cohorts.selectors.emails import applications_for_email_preview
from incubator.validators import DOCUMENT_MAX, MESSAGE_MAX


class PreviewApplicationField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Application) -> str:
        applicant = obj.applicant
        return f"{applicant.full_name or applicant.email} · {obj.cohort.name} · {obj.get_status_display()}"


class ProgramEmailForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=255)
    body_text = forms.CharField(label=_("Text"), max_length=DOCUMENT_MAX, widget=forms.Textarea(attrs={"rows": 16}))
    application = PreviewApplicationField(
        label=_("Preview on the application of"),
        queryset=Application.objects.none(),
        required=False,
        empty_label=None,
        help_text=_("A real application of this program; the preview shows what its applicant would get."),
    )

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = applications_for_email_preview(program=program)


class CohortMessageForm(forms.Form):
    group = forms.ChoiceField(label=_("To"), choices=MessageGroup.choices)
    phase = forms.ModelChoiceField(
        label=_("Phase"),
        queryset=Phase.objects.none(),
        required=False,
        help_text=_("Only for “All in a selection phase”."),
    )
    subject = forms.CharField(label=_("Subject (Thai)"), max_length=SUBJECT_MAX)
    body = forms.CharField(label=_("Message (Thai)"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 8}))
    subject_en = forms.CharField(label=_("Subject (English)"), max_length=SUBJECT_MAX, required=False)
    body_en = forms.CharField(
        label=_("Message (English)"),
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Optional: applicants who read the platform in English get this one."),
    )
    token = forms.UUIDField(widget=forms.HiddenInput)
    expected_count = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, cohort: Cohort, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = Phase.objects.filter(cohort=cohort).order_by("order", "pk")
        if not self.fields["phase"].queryset.exists():
            del self.fields["phase"]
            self.fields["group"].choices = [
                (value, label) for value, label in MessageGroup.choices if value != MessageGroup.PHASE
            ]

    def clean(self):
        data = super().clean()
        if data.get("group") == MessageGroup.PHASE and not data.get("phase"):
            self.add_error("phase", _("Choose a phase of this call."))
        if data.get("body_en", "").strip() and not data.get("subject_en", "").strip():
            self.add_error("subject_en", _("Give the English message a subject too."))
        return data
