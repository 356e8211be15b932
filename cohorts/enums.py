from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Support(models.TextChoices):
    FUNDING = "funding", _("Funding and resources")
    TRAINING = "training", _("Training, knowledge and tools")
    COACHING = "coaching", _("Coaches and advisors")
    NETWORK = "network", _("Network")
    WELLBEING = "wellbeing", _("Care for the whole person")


class CohortStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("cohort status", "Draft")
    OPEN = "open", pgettext_lazy("cohort status", "Open for applications")
    CLOSED = "closed", pgettext_lazy("cohort status", "Applications closed")
    RUNNING = "running", pgettext_lazy("cohort status", "Running")
    COMPLETED = "completed", pgettext_lazy("cohort status", "Completed")


class OrganisationKind(models.TextChoices):
    NGO = "ngo", _("Non-governmental organisation")
    COMMUNITY_ENTERPRISE = "community_enterprise", _("Community enterprise")
    SOCIAL_ENTERPRISE = "social_enterprise", _("Social enterprise")
    LOCAL_GOVERNMENT = "local_government", _("Local government")
    UNIVERSITY = "university", _("University")
    COMPANY = "company", _("Company")


class OrganisationSize(models.TextChoices):
    XS = "1-5", _("1 to 5 people")
    S = "6-20", _("6 to 20 people")
    M = "21-50", _("21 to 50 people")
    L = "51+", _("More than 50 people")


class Need(models.TextChoices):
    STRATEGY = "strategy", _("Strategy")
    FINANCE = "finance", _("Finance and impact unit cost")
    TEAM = "team", _("Team and leadership")
    COMMUNICATION = "communication", _("Communication")
    TECHNOLOGY = "technology", _("Technology")
    FUNDRAISING = "fundraising", _("Fundraising")
    IMPACT = "impact", _("Impact measurement")
    BUSINESS_MODEL = "business_model", _("Business model")


class Sector(models.TextChoices):
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")
    ENVIRONMENT = "environment", _("Environment and natural resources")
    AGRICULTURE = "agriculture", _("Agriculture and food")
    COMMUNITY = "community", _("Community development")
    CHILDREN_YOUTH = "children_youth", _("Children and youth")
    ELDERLY = "elderly", _("Elderly and disability")
    FINANCE = "finance", _("Finance and banking")
    TECHNOLOGY = "technology", _("Technology")
    CULTURE = "culture", _("Arts and culture")


class Language(models.TextChoices):
    THAI = "th", _("Thai")
    ENGLISH = "en", _("English")
    NORTHERN_THAI = "nod", _("Northern Thai")
    ISAN = "tts", _("Isan")
    SOUTHERN_THAI = "sou", _("Southern Thai")
    MALAY = "mfa", _("Pattani Malay")
    CHINESE = "zh", _("Chinese")


class TrackKind(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation")
    INTRAPRENEUR = "intrapreneur", _("Intrapreneur")
    TEAM = "team", _("Team or idea")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("application status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("application status", "Submitted")
    UNDER_REVIEW = "under_review", pgettext_lazy("application status", "Under review")
    SHORTLISTED = "shortlisted", pgettext_lazy("application status", "Shortlisted")
    ACCEPTED = "accepted", pgettext_lazy("application status", "Accepted")
    WAITLISTED = "waitlisted", pgettext_lazy("application status", "Waitlisted")
    REJECTED = "rejected", pgettext_lazy("application status", "Not selected")
    WITHDRAWN = "withdrawn", pgettext_lazy("application status", "Withdrawn")


# Statuses in which the applicant has handed the application in.
SUBMITTED_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.REJECTED,
)
# Staff decisions that can be taken in bulk.
DECISION_STATUSES = (
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.REJECTED,
)


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    NUMBER = "number", _("Number")
    YES_NO = "yes_no", _("Yes or no")
    FILE = "file", _("File")


class ReviewState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("review state", "To review")
    COMPLETED = "completed", pgettext_lazy("review state", "Scored")
    CONFLICT = "conflict", pgettext_lazy("review state", "Conflict of interest")


class ParticipantRole(models.TextChoices):
    ORGANISATION_LEADER = "organisation_leader", _("Organisation leader")
    INTRAPRENEUR = "intrapreneur", _("Intrapreneur (field coach)")
    TEAM_LEAD = "team_lead", _("Team lead")


ROLE_FOR_TRACK = {
    TrackKind.ORGANISATION: ParticipantRole.ORGANISATION_LEADER,
    TrackKind.INTRAPRENEUR: ParticipantRole.INTRAPRENEUR,
    TrackKind.TEAM: ParticipantRole.TEAM_LEAD,
}


class PhaseKind(models.TextChoices):
    SCREENING = "screening", pgettext_lazy("phase kind", "Eligibility screening")
    REVIEW = "review", pgettext_lazy("phase kind", "Scored review")
    INTERVIEW = "interview", pgettext_lazy("phase kind", "Interview or pitch")
    DECISION = "decision", pgettext_lazy("phase kind", "Final decision")


def default_review_reminder_days() -> list[int]:
    """Days before a phase's review deadline at which reviewers with pending reviews are reminded."""
    return [3, 1]


class PairRuleKind(models.TextChoices):
    FORBIDDEN = "forbidden", pgettext_lazy("pair rule", "Never assign")
    FIXED = "fixed", pgettext_lazy("pair rule", "Always assign")


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("proposal status", "Draft")
    CONFIRMED = "confirmed", pgettext_lazy("proposal status", "Confirmed")
    DISCARDED = "discarded", pgettext_lazy("proposal status", "Discarded")


class MessageGroup(models.TextChoices):
    """Whom a staff message to a call's applicants goes to (CohortMessage)."""

    SHORTLISTED = "shortlisted", _("All shortlisted")
    WAITLISTED = "waitlisted", _("All waitlisted")
    ACCEPTED = "accepted", _("All accepted")
    REJECTED = "rejected", _("All not selected")
    DRAFTS = "drafts", _("All drafts not yet submitted")
    PHASE = "phase", _("All in a selection phase")


# The application status of each status group (drafts are a status too).
MESSAGE_GROUP_STATUS = {
    MessageGroup.SHORTLISTED: ApplicationStatus.SHORTLISTED,
    MessageGroup.WAITLISTED: ApplicationStatus.WAITLISTED,
    MessageGroup.ACCEPTED: ApplicationStatus.ACCEPTED,
    MessageGroup.REJECTED: ApplicationStatus.REJECTED,
    MessageGroup.DRAFTS: ApplicationStatus.DRAFT,
}
