"""The cohorts models, one module per concern; everything is importable from `cohorts.models`."""

from cohorts.models.assignment import ReviewerExpertise, ReviewPairRule, ReviewProposal  # noqa: F401
from cohorts.models.core import *  # noqa: F403
from cohorts.models.core import (  # noqa: F401  (named by migrations and other apps)
    LONG_ANSWER_MAX,
    MEDIUM_ANSWER_MAX,
    QUESTION_ANSWER_MAX,
    REVIEW_COMMENT_MAX,
    answer_upload_to,
    default_reminder_offsets,
)
from cohorts.models.decisions import PendingDecision, PlaceFreed, WaitlistSpot  # noqa: F401
from cohorts.models.extensions import (  # noqa: F401
    EXTENSION_MAX_DAYS,
    EXTENSION_REASON_MAX,
    DeadlineExtension,
    ExtensionReminder,
)
from cohorts.models.interviews import (  # noqa: F401
    BookingStatus,
    InterviewBooking,
    InterviewReminder,
    InterviewSlot,
)
from cohorts.models.messages import CohortMessage  # noqa: F401
from cohorts.models.phases import Phase  # noqa: F401
from cohorts.models.reminders import ReviewReminder  # noqa: F401
