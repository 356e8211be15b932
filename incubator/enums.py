from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    THAI = "th", _("Thai")
    ENGLISH = "en", _("English")


class EmailTextAction(models.TextChoices):
    """What a change of an email text override did (EmailTemplateChange)."""

    SAVED = "saved", _("Saved")
    RESET = "reset", _("Back to the default")


class EmailState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Channel(models.TextChoices):
    """How an outbox row reaches its person: a delivery detail (see incubator.delivery)."""

    EMAIL = "email", _("Email")
    LINE = "line", _("LINE")


class ChannelChoice(models.TextChoices):
    """What a person chose for one kind of message (see incubator.channels)."""

    EMAIL = "email", _("Email")
    LINE = "line", _("LINE")
    BOTH = "both", _("Email and LINE")


class MessageKind(models.TextChoices):
    """The kinds of message a person chooses a channel for; account emails are not among them
    (verification and password emails always go by email)."""

    APPLICATION = "application", _("Applications and deadline reminders")
    WORKSHOP = "workshop", _("Workshop reminders and notices")
    COACHING = "coaching", _("Coaching alerts")
    ANNOUNCEMENT = "announcement", _("Announcements")


class AccessAction(models.TextChoices):
    """What a person did with other people's data (the access log's verbs)."""

    VIEW = "view", _("Viewed")
    DOWNLOAD = "download", _("Downloaded a file")
    EXPORT = "export", _("Exported")
    DATA_DOWNLOAD = "data_download", _("Downloaded personal data")
    DISCLOSE = "disclose", _("Disclosed identities to reviewers")
