from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    THAI = "th", _("Thai")
    ENGLISH = "en", _("English")


class EmailState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Channel(models.TextChoices):
    """How an outbox row reaches its person: a delivery detail (see incubator.delivery)."""

    EMAIL = "email", _("Email")


class AccessAction(models.TextChoices):
    """What a person did with other people's data (the access log's verbs)."""

    VIEW = "view", _("Viewed")
    DOWNLOAD = "download", _("Downloaded a file")
    EXPORT = "export", _("Exported")
    DATA_DOWNLOAD = "data_download", _("Downloaded personal data")
