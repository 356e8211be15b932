"""The applications list's actions: assign reviewers, and decide (shortlist, accept, waitlist,
reject) with a confirmation page. Each calls its service (`reviews_assign_bulk`,
`applications_decide_bulk`), all or nothing, and says what changed."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cohorts.enums import ApplicationStatus
from cohorts.review_forms import AssignReviewersForm
from cohorts.selectors.reviews import reviewer_candidates
from cohorts.services.decisions import DecisionRefused, applications_decide_bulk, decision_refusal
from cohorts.services.reviews import REVIEWABLE_STATUSES, reviews_assign_bulk


class ApplicationActionsMixin:
    """Mixed into ApplicationAdmin."""

    @admin.action(description=_("Assign reviewers to the selected applications"), permissions=["decide"])
    def assign_reviewers(self, request, queryset):
        applications = list(queryset.select_related("applicant", "cohort__program").order_by("pk"))
        if not applications:
            self.message_user(request, gettext("No application was selected."), messages.WARNING)
            return None
        not_reviewable = [application for application in applications if application.status not in REVIEWABLE_STATUSES]
        if not_reviewable and "apply" not in request.POST:
            # Say so before staff choose anyone (the service refuses them again on apply).
            self.message_user(
                request,
                gettext("Reviewers can only be assigned to handed-in applications still being decided: %(names)s.")
                % {"names": "; ".join(f"{a} ({a.get_status_display()})" for a in not_reviewable)}
                + " "
                + gettext("Nothing was changed."),
                messages.ERROR,
            )
            return None
        program_ids = sorted({application.cohort.program_id for application in applications})
        candidates = list(reviewer_candidates(program_ids=program_ids))
        if "apply" in request.POST:
            form = AssignReviewersForm(request.POST, candidates=candidates)
            if form.is_valid():
                people = form.cleaned_data["people"]
                try:
                    result = reviews_assign_bulk(applications=applications, reviewers=people, by=request.user)
                except ValidationError as error:
                    self.message_user(request, " ".join(error.messages), messages.ERROR)
                    return None
                created = len(result.created)
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d review assigned to %(people)s.",
                        "%(count)d reviews assigned to %(people)s.",
                        created,
                    )
                    % {"count": created, "people": ", ".join(str(person) for person in people)},
                    messages.SUCCESS,
                )
                return None
        else:
            form = AssignReviewersForm(candidates=candidates)
        return TemplateResponse(
            request,
            "admin/cohorts/application/assign_reviewers.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Assign reviewers"),
                "opts": self.model._meta,
                "form": form,
                "applications": applications,
                "action": "assign_reviewers",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "media": self.media + form.media,
            },
        )

    def _decide(self, request, queryset, status: str):
        applications = list(queryset.select_related("applicant", "cohort__program", "track").order_by("pk"))
        label = ApplicationStatus(status).label
        if not applications:
            self.message_user(request, gettext("No application was selected."), messages.WARNING)
            return None
        if "confirm" not in request.POST:
            # Check first, so that staff learn of refusals before they confirm.
            refused = [a for a in applications if decision_refusal(application=a, status=status)]
            if refused:
                self.message_user(
                    request,
                    gettext("These applications cannot be decided: %(names)s. Nothing was changed.")
                    % {"names": "; ".join(f"{a} ({a.get_status_display()})" for a in refused)},
                    messages.ERROR,
                )
                return None
            return TemplateResponse(
                request,
                "admin/cohorts/application/decide_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Mark the selected applications as “%(status)s”?") % {"status": label},
                    "opts": self.model._meta,
                    "applications": applications,
                    "status": status,
                    "status_label": label,
                    "action": f"decide_{status}",
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        try:
            result = applications_decide_bulk(applications=applications, status=status, by=request.user)
        except DecisionRefused as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return None
        message = ngettext(
            "%(count)d application marked as “%(status)s”; the applicant's email is queued.",
            "%(count)d applications marked as “%(status)s”; the applicants' emails are queued.",
            len(result.changed),
        ) % {"count": len(result.changed), "status": label}
        if result.unchanged:
            message += " " + ngettext(
                "%(count)d was already “%(status)s”.", "%(count)d were already “%(status)s”.", len(result.unchanged)
            ) % {"count": len(result.unchanged), "status": label}
        self.message_user(request, message, messages.SUCCESS)
        return None

    @admin.action(description=_("Shortlist the selected applications"), permissions=["decide"])
    def decide_shortlisted(self, request, queryset):
        return self._decide(request, queryset, ApplicationStatus.SHORTLISTED)

    @admin.action(description=_("Accept the selected applications (they become participants)"), permissions=["decide"])
    def decide_accepted(self, request, queryset):
        return self._decide(request, queryset, ApplicationStatus.ACCEPTED)

    @admin.action(description=_("Put the selected applications on the waiting list"), permissions=["decide"])
    def decide_waitlisted(self, request, queryset):
        return self._decide(request, queryset, ApplicationStatus.WAITLISTED)

    @admin.action(description=_("Reject the selected applications"), permissions=["decide"])
    def decide_rejected(self, request, queryset):
        return self._decide(request, queryset, ApplicationStatus.REJECTED)
