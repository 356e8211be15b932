"""Applicant forms: the track choice and the application form (standard fields for the
track plus the cohort's own questions, built from `cohorts.models.Question`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import linebreaks_filter as linebreaks
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from cohorts.enums import Language, Need, OrganisationKind, OrganisationSize, QuestionKind, Sector, TrackKind
from cohorts.fields import ORGANISATION_FIELDS, ORGANISATION_REQUIRED, REQUIRED_TO_SUBMIT, fields_for_track
from cohorts.form_fields import LongTextField, state_version
from cohorts.layout import Text
from cohorts.models import (
    LONG_ANSWER_MAX,
    MEDIUM_ANSWER_MAX,
    QUESTION_ANSWER_MAX,
    Answer,
    Application,
    Cohort,
    Organisation,
    Question,
    Track,
)
from incubator.geo import PROVINCE_CHOICES, PROVINCE_CHOICES_BY_REGION
from incubator.validators import accept_attribute, validate_upload

BLANK = [("", "---------")]
UPLOAD_ACCEPT = accept_attribute()


class TrackChoiceForm(forms.Form):
    """Which track to apply on; a hidden field when the call has a single track."""

    track = forms.ChoiceField(label=_("Apply as"), widget=forms.RadioSelect)

    def __init__(self, *args, cohort: Cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.tracks = {str(track.pk): track for track in cohort.tracks.all()}
        field = self.fields["track"]
        field.choices = [(pk, track.display_name) for pk, track in self.tracks.items()]
        if len(self.tracks) == 1:
            field.initial = next(iter(self.tracks))
            field.widget = forms.HiddenInput()

    def clean_track(self) -> Track:
        return self.tracks[self.cleaned_data["track"]]


@dataclass(frozen=True)
class StoredFile:
    """What a file field shows for a file already uploaded: its name and a download link
    that goes through the applicant's scoped view (never a public media URL)."""

    name: str
    url: str

    def __str__(self) -> str:
        return self.name

    def __bool__(self) -> bool:
        return True


def _label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


class ApplicationForm(forms.Form):
    """The application form of one application, for its track and its cohort's questions.

    Field names: the application's own fields (`motivation`, `employer`, ...), the
    organisation's prefixed `org_` (organisation track), `q_<question id>` for the cohort's
    questions and `consent`. Required fields are marked required; with
    `enforce_required=False` (saving a draft) they are validated as optional but still drawn
    as required, so the applicant sees what submission will need.
    """

    # The page summarises every error above the form, with links to the fields.
    errors_in_summary = True
    # Set when a refused submit still saved the draft (see the edit view).
    draft_saved = False

    use_required_attribute = False  # the browser must not block "Save draft"

    def __init__(
        self,
        *args,
        application: Application,
        questions: Sequence[Question],
        answers: Mapping[int, Answer],
        enforce_required: bool = True,
        **kwargs,
    ):
        self.application = application
        self.cohort = application.cohort
        self.kind = application.track.kind
        self.questions = list(questions)
        self.enforce_required = enforce_required
        self.privacy_notice = self.cohort.privacy_notice
        self.privacy_notice_version = self.cohort.privacy_notice_version
        kwargs.setdefault("initial", self._initial(application, answers))
        super().__init__(*args, **kwargs)
        self._add_fields()
        self.helper = self._helper()

    # --- fields ---------------------------------------------------------------------------

    def _add_fields(self) -> None:
        required = set(REQUIRED_TO_SUBMIT.get(self.kind, ()))
        f = self.fields
        f["motivation"] = LongTextField(
            label=_label(Application, "motivation"),
            max_length=LONG_ANSWER_MAX,
            rows=5,
            help_text=_("What change do you want to make, and why now?"),
        )
        f["expectations"] = LongTextField(
            label=_label(Application, "expectations"), max_length=MEDIUM_ANSWER_MAX, rows=3
        )
        if self.kind == TrackKind.ORGANISATION:
            f["org_name"] = forms.CharField(label=_("Name of the organisation"), max_length=255)
            f["org_kind"] = forms.ChoiceField(
                label=_label(Organisation, "kind"), choices=BLANK + OrganisationKind.choices
            )
            f["org_province"] = forms.ChoiceField(
                label=_label(Organisation, "province"),
                choices=BLANK + list(PROVINCE_CHOICES),
                help_text=_("Where the organisation mainly works."),
            )
            f["org_size"] = forms.ChoiceField(label=_("Size of the team"), choices=BLANK + OrganisationSize.choices)
            f["org_focus_areas"] = forms.MultipleChoiceField(
                label=_label(Organisation, "focus_areas"), choices=Sector.choices, widget=forms.CheckboxSelectMultiple
            )
            f["org_needs"] = forms.MultipleChoiceField(
                label=_("What the organisation needs help with"),
                choices=Need.choices,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("We use this to match you with a coach."),
            )
            f["org_website"] = forms.URLField(
                label=_label(Organisation, "website"), max_length=200, assume_scheme="https"
            )
            f["org_contact_name"] = forms.CharField(label=_label(Organisation, "contact_name"), max_length=200)
            f["org_contact_email"] = forms.EmailField(label=_label(Organisation, "contact_email"))
            f["org_contact_phone"] = forms.CharField(label=_label(Organisation, "contact_phone"), max_length=32)
            f["org_description"] = LongTextField(label=_label(Organisation, "description"), max_length=LONG_ANSWER_MAX)
            required |= {f"org_{name}" for name in ORGANISATION_REQUIRED}
        elif self.kind == TrackKind.INTRAPRENEUR:
            f["employer"] = forms.CharField(label=_label(Application, "employer"), max_length=255)
            f["job_title"] = forms.CharField(label=_label(Application, "job_title"), max_length=255)
            f["skills"] = LongTextField(
                label=_label(Application, "skills"),
                max_length=MEDIUM_ANSWER_MAX,
                help_text=_("For example finance, marketing, data, design, law or team management."),
            )
            f["sectors"] = forms.MultipleChoiceField(
                label=_("Sectors you know or care about"), choices=Sector.choices, widget=forms.CheckboxSelectMultiple
            )
            f["travel_provinces"] = forms.MultipleChoiceField(
                label=_label(Application, "travel_provinces"),
                choices=list(PROVINCE_CHOICES_BY_REGION),
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Coaches visit their organisations in the field."),
            )
            f["languages"] = forms.MultipleChoiceField(
                label=_("Languages you speak"), choices=Language.choices, widget=forms.CheckboxSelectMultiple
            )
            f["availability_days_per_month"] = forms.IntegerField(
                label=_label(Application, "availability_days_per_month"), min_value=1, max_value=31
            )
        elif self.kind == TrackKind.TEAM:
            f["team_name"] = forms.CharField(label=_label(Application, "team_name"), max_length=255)
            f["idea_title"] = forms.CharField(label=_("Your idea in one line"), max_length=255)
            f["idea_summary"] = LongTextField(
                label=_label(Application, "idea_summary"),
                max_length=LONG_ANSWER_MAX,
                rows=5,
                help_text=_("The problem, who it affects, and what you want to try."),
            )
            f["team_size"] = forms.IntegerField(
                label=_("How many people are in your team?"), min_value=1, max_value=1000
            )
        for question in self.questions:
            f[f"q_{question.pk}"] = self._question_field(question)
            if question.required:
                required.add(f"q_{question.pk}")
        f["consent"] = forms.BooleanField(
            label=_("I have read the privacy notice above and agree that my personal data is used as it describes."),
            error_messages={"required": _("Please agree to the privacy notice to submit your application.")},
        )
        required.add("consent")
        for name, field in f.items():
            field.required = name in required
        self.required_to_submit = required

    def _question_field(self, question: Question) -> forms.Field:
        # crispy prints help texts with |safe: staff-typed text is escaped here, shown as typed.
        common = {"label": question.display_text, "help_text": conditional_escape(question.help_text)}
        kind = question.kind
        if kind == QuestionKind.SHORT_TEXT:
            return forms.CharField(max_length=question.max_length or 500, **common)
        if kind == QuestionKind.LONG_TEXT:
            return LongTextField(max_length=question.max_length or QUESTION_ANSWER_MAX, **common)
        if kind == QuestionKind.SINGLE_CHOICE:
            return forms.ChoiceField(
                choices=[(choice, choice) for choice in question.choice_list], widget=forms.RadioSelect, **common
            )
        if kind == QuestionKind.MULTIPLE_CHOICE:
            return forms.MultipleChoiceField(
                choices=[(choice, choice) for choice in question.choice_list],
                widget=forms.CheckboxSelectMultiple,
                **common,
            )
        if kind == QuestionKind.NUMBER:
            return forms.FloatField(**common)
        if kind == QuestionKind.YES_NO:
            return forms.TypedChoiceField(
                choices=[("yes", pgettext_lazy("answer", "Yes")), ("no", pgettext_lazy("answer", "No"))],
                coerce=lambda value: value == "yes",
                empty_value=None,
                widget=forms.RadioSelect,
                **common,
            )
        help_text = conditional_escape(
            " ".join(
                str(part) for part in (question.help_text, _("PDF, JPG, PNG, Word or Excel, at most 5 MB.")) if part
            )
        )
        return forms.FileField(
            label=question.display_text,
            help_text=help_text,
            validators=[validate_upload],
            max_length=200,
            widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT}),
        )

    def _initial(self, application: Application, answers: Mapping[int, Answer]) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(application, name) for name in fields_for_track(self.kind)}
        organisation = application.organisation if self.kind == TrackKind.ORGANISATION else None
        if organisation is not None:
            for name in ORGANISATION_FIELDS:
                initial[f"org_{name}"] = getattr(organisation, name)
        for question_id, answer in answers.items():
            key = f"q_{question_id}"
            if answer.file:
                initial[key] = StoredFile(
                    name=answer.value or _("Attached file"),
                    url=reverse("cohorts:application_file", kwargs={"pk": application.pk, "question_id": question_id}),
                )
            elif isinstance(answer.value, bool):
                initial[key] = "yes" if answer.value else "no"
            else:
                initial[key] = answer.value
        initial["consent"] = bool(
            application.consented_at and application.consent_version == self.cohort.privacy_notice_version
        )
        return initial

    @property
    def state_version(self) -> str:
        """A fingerprint of what the server holds for this form. static/js/keep-form.js keeps
        the browser's copy of unsaved typing under it: once the server's state changes (a save
        went through), an older copy is dropped instead of brought back."""
        return state_version(self.initial)

    # --- validation -----------------------------------------------------------------------

    def full_clean(self) -> None:
        """On a draft, required fields are validated as optional, then drawn as required again."""
        if self.enforce_required:
            super().full_clean()
            return
        for field in self.fields.values():
            field.required = False
        try:
            super().full_clean()
        finally:
            for name, field in self.fields.items():
                field.required = name in self.required_to_submit

    # --- what the services take -----------------------------------------------------------

    def application_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in fields_for_track(self.kind)}

    def organisation_data(self) -> dict[str, Any] | None:
        if self.kind != TrackKind.ORGANISATION:
            return None
        return {name: self.cleaned_data.get(f"org_{name}") for name in ORGANISATION_FIELDS}

    def answers_data(self) -> dict[int, Any]:
        answers: dict[int, Any] = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q_{question.pk}")
            if question.kind == QuestionKind.FILE:
                if isinstance(value, UploadedFile) or value is False:
                    answers[question.pk] = value
                continue
            answers[question.pk] = value
        return answers

    def consent_value(self) -> bool:
        return bool(self.cleaned_data.get("consent"))

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "data": self.application_data(),
            "organisation": self.organisation_data(),
            "answers": self.answers_data(),
            "consent": self.consent_value(),
        }

    # --- layout ---------------------------------------------------------------------------

    @property
    def errors_in_fields(self) -> bool:
        return any(name != NON_FIELD_ERRORS for name in self.errors)

    def _helper(self) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        helper.form_error_title = _("Your application was not saved")
        parts = []
        if self.kind == TrackKind.ORGANISATION:
            parts.append(
                Fieldset(
                    _("Your organisation"),
                    "org_name",
                    "org_kind",
                    "org_province",
                    "org_size",
                    "org_focus_areas",
                    "org_needs",
                    "org_description",
                    "org_website",
                    "org_contact_name",
                    "org_contact_email",
                    "org_contact_phone",
                )
            )
        elif self.kind == TrackKind.INTRAPRENEUR:
            parts.append(
                Fieldset(
                    _("Your work and skills"),
                    "employer",
                    "job_title",
                    "skills",
                    "sectors",
                    InlineCheckboxes("travel_provinces"),
                    "languages",
                    "availability_days_per_month",
                )
            )
        elif self.kind == TrackKind.TEAM:
            parts.append(Fieldset(_("Your team and idea"), "team_name", "idea_title", "idea_summary", "team_size"))
        parts.append(Fieldset(_("Why you are applying"), "motivation", "expectations"))
        if self.questions:
            parts.append(
                Fieldset(_("Questions from the program"), *[f"q_{question.pk}" for question in self.questions])
            )
        parts.append(
            Fieldset(
                _("Privacy notice"),
                Text(
                    format_html(
                        '<div class="border rounded p-3 mb-3 bg-light small" data-testid="privacy-notice">{}'
                        '<p data-testid="privacy-retention">{}</p>'
                        '<p class="mb-0 text-muted">{}</p></div>',
                        linebreaks(self.privacy_notice, autoescape=True),
                        ngettext(
                            "If your application is not accepted (rejected, withdrawn, a draft not sent before the "
                            "deadline, or on the waiting list once the cohort has started), its answers and files are "
                            "deleted %(months)d month after the decision. You may download your data or ask for your "
                            'account to be deleted at any time under "Your data".',
                            "If your application is not accepted (rejected, withdrawn, a draft not sent before the "
                            "deadline, or on the waiting list once the cohort has started), its answers and files are "
                            "deleted %(months)d months after the decision. You may download your data or ask for your "
                            'account to be deleted at any time under "Your data".',
                            self.cohort.program.retention_months,
                        )
                        % {"months": self.cohort.program.retention_months},
                        _("Version %(version)s") % {"version": self.privacy_notice_version},
                    )
                ),
                "consent",
            )
        )
        helper.layout = Layout(*parts)
        return helper
