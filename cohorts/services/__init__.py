"""Every state change of the cohorts app. Split by concern:

- `cohorts.services.applications`: drafts, submission, edits, withdrawal, organisations.
- `cohorts.services.reviews`: reviewer assignment, scoring, conflicts, decisions, participants.
- `cohorts.services.reminders`: deadline reminders.
"""
