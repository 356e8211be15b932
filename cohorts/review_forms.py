"""Forms of the review pages (reviewers) and of the admin's intermediate pages (staff)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from cohorts.access import parse_id
from cohorts.enums import Sector, TrackKind
from cohorts.form_fields import LongTextField, state_version
from cohorts.layout import DataFieldset, Text
from cohorts.models import MEDIUM_ANSWER_MAX, REVIEW_COMMENT_MAX, Criterion, Organisation, ReviewAssignment
from cohorts.services.assignment import phase_application_find
from incubator.geo import Region
from incubator.validators import TEXT_MAX


class OutlineDangerSubmit(Submit):
    field_classes = "btn btn-outline-danger"


class ReviewScoreForm(forms.Form):
    """One score select and one comment per criterion of the rubric, plus an overall comment."""

    comment = LongTextField(
        label=_("Overall comment"),
        required=False,
        max_length=REVIEW_COMMENT_MAX,
        help_text=_("What staff should know when they decide: strengths, doubts, questions to ask."),
    )

    def __init__(self, *args, review: ReviewAssignment, criteria: list[Criterion], **kwargs):
        self.review = review
        self.criteria = criteria
        existing = {score.criterion_id: score for score in review.scores.all()}
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("comment", review.comment)
        super().__init__(*args, **kwargs)
        fieldsets = []
        for criterion in criteria:
            score_name, comment_name = f"score_{criterion.pk}", f"comment_{criterion.pk}"
            choices = [("", f"{criterion.min_score}–{criterion.max_score}")] + [
                (value, str(value)) for value in range(criterion.min_score, criterion.max_score + 1)
            ]
            self.fields[score_name] = forms.TypedChoiceField(
                label=pgettext_lazy("review", "Score"),
                choices=choices,
                coerce=int,
                empty_value=None,
                widget=forms.Select(attrs={"data-testid": f"score-{criterion.pk}"}),
            )
            self.fields[comment_name] = LongTextField(
                label=_("Comment on this criterion"),
                required=False,
                max_length=REVIEW_COMMENT_MAX,
                rows=2,
                attrs={"data-testid": f"comment-{criterion.pk}"},
            )
            if criterion.pk in existing:
                self.initial.setdefault(score_name, existing[criterion.pk].score)
                self.initial.setdefault(comment_name, existing[criterion.pk].comment)
            legend = format_html(
                "<span class='fs-6 fw-semibold'>{}</span> <span class='fs-6 fw-normal text-muted'>({})</span>",
                criterion.display_name,
                _("weight %(weight)s") % {"weight": criterion.weight.normalize()},
            )
            fieldsets.append(
                DataFieldset(
                    legend,
                    Text(format_html("<p class='small text-muted'>{}</p>", criterion.description))
                    if criterion.description
                    else Text(""),
                    Div(
                        Div(Field(score_name), css_class="col-5 col-sm-4"),
                        Div(Field(comment_name), css_class="col-7 col-sm-8"),
                        css_class="row",
                    ),
                    css_class="border-bottom pb-2 mb-3",
                )
            )
        self.helper = FormHelper()
        self.helper.form_id = "review-form"
        self.helper.form_method = "post"
        # Long comments survive an ended session (static/js/keep-form.js).
        self.helper.attrs = {
            "data-keep-form": f"review-{review.pk}",
            "data-keep-form-user": str(review.reviewer_id),
            "data-keep-form-version": state_version(self.initial),
            "data-session-url": reverse("session_status"),
        }
        self.helper.layout = Layout(
            *fieldsets,
            Field("comment"),
            Submit("submit", _("Submit review"), data_testid="submit-review"),
        )

    def scores(self) -> dict[int, int]:
        return {criterion.pk: self.cleaned_data[f"score_{criterion.pk}"] for criterion in self.criteria}

    def comments(self) -> dict[int, str]:
        return {criterion.pk: self.cleaned_data.get(f"comment_{criterion.pk}", "") for criterion in self.criteria}


class ConflictForm(forms.Form):
    conflict_reason = LongTextField(
        label=_("Why do you have a conflict of interest?"),
        max_length=MEDIUM_ANSWER_MAX,
        rows=3,
        attrs={"data-testid": "conflict-reason"},
        help_text=_("For example: you work with the applicant or advise their organisation."),
    )

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "conflict-form"
        self.helper.form_method = "post"
        self.helper.form_action = action
        self.helper.layout = Layout(
            Field("conflict_reason"),
            OutlineDangerSubmit("declare", _("Declare a conflict of interest"), data_testid="declare-conflict"),
        )


class AssignReviewersForm(forms.Form):
    """The admin's intermediate page: pick known reviewers or add people by email address."""

    reviewers = forms.ModelMultipleChoiceField(
        label=_("Reviewers"),
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("People who already review or run this program's applications."),
    )
    emails = forms.CharField(
        label=_("Other reviewers by email address"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("One address per line. Each person needs an account on the platform."),
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Validation accepts any active account; the page lists only the likely candidates.
        self.fields["reviewers"].widget.choices = [
            (user.pk, f"{user.get_full_name()} <{user.email}>") for user in candidates
        ]

    def clean_emails(self) -> list:
        addresses = [line.strip().lower() for line in self.cleaned_data["emails"].replace(",", "\n").splitlines()]
        addresses = [address for address in addresses if address]
        if not addresses:
            return []
        users = list(get_user_model().objects.filter(email__in=addresses, is_active=True))
        unknown = sorted(set(addresses) - {user.email for user in users})
        if unknown:
            raise forms.ValidationError(
                ngettext(
                    "No active account has this address: %(emails)s",
                    "No active accounts have these addresses: %(emails)s",
                    len(unknown),
                )
                % {"emails": ", ".join(unknown)}
            )
        return users

    def clean(self):
        cleaned = super().clean()
        chosen = {user.pk: user for user in [*cleaned.get("reviewers", []), *cleaned.get("emails", [])]}
        if not chosen and not self.errors:
            raise forms.ValidationError(_("Choose at least one reviewer."))
        cleaned["people"] = sorted(chosen.values(), key=lambda user: (user.full_name, user.email))
        return cleaned


class ExpertiseForm(forms.Form):
    """What a reviewer chooses to review: automatic assignment counts it as fit."""

    track_kinds = forms.MultipleChoiceField(
        label=_("Kinds of application"),
        choices=TrackKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"data-testid": "expertise-track"}),
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors you know"),
        choices=Sector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"data-testid": "expertise-sector"}),
    )
    regions = forms.MultipleChoiceField(
        label=_("Regions you know"),
        choices=Region.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"data-testid": "expertise-region"}),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation you belong to"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("You are never assigned applications of your own organisation."),
        widget=forms.Select(attrs={"data-testid": "expertise-organisation"}),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.helper = FormHelper()
        self.helper.form_id = "expertise-form"
        self.helper.form_method = "post"
        self.helper.layout = Layout(
            Field("track_kinds"),
            Field("sectors"),
            Field("regions"),
            Field("organisation"),
            Submit("save", _("Save"), data_testid="save-expertise"),
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "track_kinds": data["track_kinds"],
            "sectors": data["sectors"],
            "regions": data["regions"],
            "organisation": data["organisation"],
        }


class PairForm(forms.Form):
    """Staff on the assignment page: one application of the phase, typed (its number or a part
    of the applicant's or organisation's name, found among the phase's applications only), and
    one reviewer of the phase (to add a pair, or to fix or forbid it). `application` cleans to
    the Application."""

    application = forms.CharField(
        label=_("Application"),
        max_length=200,
        help_text=_("Its number (#) from the table, or a part of the applicant's or organisation's name."),
    )
    reviewer = forms.TypedChoiceField(label=_("Reviewer"), coerce=int)

    def __init__(self, *args, phase, reviewers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.phase = phase
        self.fields["reviewer"].choices = [("", "—"), *reviewers]

    def clean_application(self):
        text = self.cleaned_data["application"]
        found = phase_application_find(phase=self.phase, text=text)
        if not found:
            raise forms.ValidationError(
                _("No application standing in this phase matches “%(text)s”."), params={"text": text}, code="none"
            )
        if len(found) > 1:
            raise forms.ValidationError(
                _("“%(text)s” matches several applications of this phase: type its number from the table."),
                params={"text": text},
                code="several",
            )
        return found[0]


class ReplaceForm(forms.Form):
    reviewer = forms.TypedChoiceField(label=_("Reviewer"), coerce=int)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].choices = candidates


# --- The staff selection page: moving applications to the next phase -------------------------


class AdvanceForm(forms.Form):
    """Which of a phase's applications move to the next phase (checkboxes rendered by the
    selection page), and whether their applicants are told by email."""

    applications = forms.TypedMultipleChoiceField(
        label=_("Applications"),
        coerce=int,
        error_messages={
            "required": _("Choose at least one application to move."),
            "invalid_choice": _(
                "Some of the chosen applications are no longer in this phase (someone moved or withdrew them). "
                "Nothing was moved; the list below is up to date."
            ),
        },
    )
    notify = forms.BooleanField(label=_("Email the applicants that they moved on"), required=False)

    def __init__(self, *args, movable, **kwargs):
        super().__init__(*args, **kwargs)
        self.movable = {application.pk: application for application in movable}
        self.fields["applications"].choices = [(pk, str(application)) for pk, application in self.movable.items()]

    def chosen(self) -> list:
        return [self.movable[pk] for pk in self.cleaned_data["applications"]]


class ThresholdForm(forms.Form):
    """A threshold on a phase's scores (0-100) and the score it compares: raw or normalised."""

    threshold = forms.DecimalField(
        label=_("Threshold (0–100)"),
        min_value=0,
        max_value=100,
        max_digits=4,
        decimal_places=1,
        help_text=_("Applications whose score in this phase is at or above it move on."),
        widget=forms.NumberInput(attrs={"step": "0.1", "data-testid": "threshold"}),
    )
    rank = forms.ChoiceField(
        label=_("Score"),
        choices=[("raw", _("Raw mean")), ("normalised", _("Normalised per reviewer"))],
        initial="raw",
    )


class ThresholdConfirmForm(ThresholdForm):
    """The previewed threshold, the ids the preview showed, and whether to email."""

    shown = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100_000)
    notify = forms.BooleanField(label=_("Email the applicants that they moved on"), required=False)

    def clean_shown(self) -> list[int]:
        ids = []
        for part in (self.cleaned_data["shown"] or "").split(","):
            if not part.strip():
                continue
            pk = parse_id(part)
            if pk is None:
                raise forms.ValidationError(_("The preview was damaged; please preview again."))
            ids.append(pk)
        return ids
