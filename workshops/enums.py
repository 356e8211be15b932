from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("session status", "Scheduled")
    CANCELLED = "cancelled", pgettext_lazy("session status", "Cancelled")


class Rsvp(models.TextChoices):
    PENDING = "pending", pgettext_lazy("rsvp", "Not answered yet")
    YES = "yes", pgettext_lazy("rsvp", "Coming")
    NO = "no", pgettext_lazy("rsvp", "Cannot come")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", pgettext_lazy("attendance", "Present")
    LATE = "late", pgettext_lazy("attendance", "Late")
    EXCUSED = "excused", pgettext_lazy("attendance", "Excused")
    ABSENT = "absent", pgettext_lazy("attendance", "Absent")


ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


class NoticeKind(models.TextChoices):
    RSVP_REMINDER = "rsvp", _("RSVP reminder")
    FOLLOWUP = "followup", _("Follow-up with feedback link")
