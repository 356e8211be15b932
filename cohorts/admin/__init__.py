"""Staff admin for programs, cohorts, organisations, applications, reviews and participants.

Superusers see everything. Any other staff member sees only the programs they run
(Program.staff) and what belongs to them: cohorts, applications, reviews, participants,
reminders, the organisations that applied to them and the emails sent about them, in
changelists, change views (others redirect to the admin index as "not found"), history
views, autocomplete results, exports, actions and the choices of every related field. All of
it comes from `cohorts.access.ProgramScopedAdmin`. Every status change goes through the
services (`cohorts.services.reviews`, `cohorts.services.decisions`).

One module per concern: `base` (filters, shared columns), `programs` (programs and cohorts),
`applications` (the list, page and export of applications), `actions` (reviewers and
decisions), `answers` (an application in words), `reminders` (deadline and reviewer reminders),
`reviews`, `organisations` (organisations and participants), `resources` (exports),
`outbox` (program staff's emails), `assignment` (reviewers' expertise, pair rules, proposals).
`outbox` (program staff's emails), `interviews` (interview slots and bookings, read-only).
"""

from cohorts.admin import outbox  # noqa: F401  (program staff see their programs' emails)
from cohorts.admin.applications import ApplicationAdmin
from cohorts.admin.assignment import ReviewerExpertiseAdmin, ReviewPairRuleAdmin, ReviewProposalAdmin
from cohorts.admin.interviews import InterviewBookingAdmin, InterviewSlotAdmin
from cohorts.admin.organisations import OrganisationAdmin, ParticipantAdmin
from cohorts.admin.programs import CohortAdmin, ProgramAdmin
from cohorts.admin.reminders import DeadlineReminderAdmin, ReviewReminderAdmin
from cohorts.admin.reviews import ReviewAssignmentAdmin

__all__ = [
    "ApplicationAdmin",
    "CohortAdmin",
    "DeadlineReminderAdmin",
    "InterviewBookingAdmin",
    "InterviewSlotAdmin",
    "OrganisationAdmin",
    "ParticipantAdmin",
    "ProgramAdmin",
    "ReviewAssignmentAdmin",
    "ReviewPairRuleAdmin",
    "ReviewProposalAdmin",
    "ReviewerExpertiseAdmin",
    "ReviewReminderAdmin",
]
