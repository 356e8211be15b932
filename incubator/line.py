"""LINE as the outbox's second channel: who can be reached, what a LINE message says, and the
deliverer that pushes it through the Messaging API (line-bot-sdk v3).

Invariants:

- A row on the `line` channel is the same outbox row as an email (one key, the same claim,
  retries and sweeper); its LINE user is looked up when it is sent, so a person who blocked the
  account meanwhile gets the email instead.
- Every push carries `X-Line-Retry-Key`, a UUID derived from the outbox key (uuid5): a resend
  after a worker died mid-push is the same request to LINE, which answers 409 for a key it
  has already accepted; 409 counts as sent. LINE delivery is therefore exactly-once.
- Failures: 429 (rate limit) and 5xx are transient (retried with the outbox's backoff); 429
  with the monthly-quota message records a `LineQuotaNotice` for the month (LINE messages go
  by email until it ends) and sends this row by email; 400/403/404 (unknown or blocked user)
  sends this row by email. No LINE failure loses a message.
- LINE's text is built when the row is sent, from the row itself: a short text (the subject
  and the first link of the email), the staff's own text for announcements, or a Flex
  message that an app registers for its template (`register_line_message`).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from incubator.dates import format_date, to_bangkok
from incubator.models import LineContact, LineQuotaNotice, OutboundEmail

logger = logging.getLogger(__name__)

# Fixed namespace of the outbox's retry keys: uuid5(namespace, outbox key).
RETRY_KEY_NAMESPACE = uuid.UUID("6f1c3c1e-5d2a-4f0e-9a55-3c8e7b1d2a40")
# The key of the LINE copy of a message that a person wants by email and LINE ("both").
LINE_COPY_SUFFIX = ":line"
TEXT_LIMIT = 5000  # LINE's limit for one text message
ALT_TEXT_LIMIT = 400  # LINE's limit for a Flex message's alt text
QUOTA_WORDS = ("monthly limit", "quota")
_URL = re.compile(r"https?://\S+")


def retry_key(key: str) -> str:
    """The `X-Line-Retry-Key` of the outbox row with `key`: the same UUID for every send of it."""
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, key))


def line_messaging_enabled() -> bool:
    return bool(settings.LINE_CHANNEL_ACCESS_TOKEN)


def quota_month() -> datetime:
    return to_bangkok(timezone.now()).date().replace(day=1)


def line_quota_exhausted() -> bool:
    """LINE's monthly quota is used up this month (one indexed query)."""
    return LineQuotaNotice.objects.filter(month=quota_month()).exists()


# --- errors, as the outbox reads them -------------------------------------------------------------


class LineError(Exception):
    """A push LINE refused. `transient`: retry with backoff; `to_email`: send this row by email."""

    transient = False
    to_email = False

    def __init__(self, message: str, *, answer: str = "") -> None:
        super().__init__(message)
        self.answer = answer[:500]


class LineRateLimited(LineError):
    transient = True


class LineServerError(LineError):
    transient = True


class LineUnreachable(LineError):
    to_email = True


class LineQuotaExhausted(LineError):
    to_email = True


# --- what a LINE message says ---------------------------------------------------------------------

# template -> (row -> one LINE message object as JSON, or None for the default text)
LineBuilder = Callable[[OutboundEmail], "dict | None"]
_BUILDERS: dict[str, LineBuilder] = {}
# templates whose LINE message is the email's own text (staff-written announcements)
_FULL_TEXT: set[str] = set()


def register_line_message(template: str, builder: LineBuilder) -> None:
    """Let an app build the LINE message (a Flex message) of its template from the row."""
    _BUILDERS[template] = builder


def register_line_full_text(template: str) -> None:
    """The LINE message of `template` is the email's text itself (staff-written text)."""
    _FULL_TEXT.add(template)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def line_text(email: OutboundEmail) -> str:
    """The plain LINE text of a row: the subject (the key facts) and the email's first link,
    or the whole text for staff-written messages."""
    if email.template in _FULL_TEXT:
        return _clip(email.body_text.strip(), TEXT_LIMIT)
    links = [url.rstrip(").,") for url in _URL.findall(email.body_text)]
    site = settings.SITE_URL
    link = next((url for url in links if url.rstrip("/") != site), links[0] if links else site)
    return _clip(f"{email.subject}\n{link}", TEXT_LIMIT)


def line_message(email: OutboundEmail) -> dict:
    builder = _BUILDERS.get(email.template)
    built = None
    if builder is not None:
        with translation.override(email.language):
            built = builder(email)
    return built or {"type": "text", "text": line_text(email)}


def map_url(place: str) -> str:
    return "https://www.google.com/maps/search/?api=1&query=" + quote(place)


def _button(label: str, uri: str, *, primary: bool = False) -> dict:
    return {
        "type": "button",
        "style": "primary" if primary else "link",
        "height": "sm",
        "action": {"type": "uri", "label": _clip(label, 40), "uri": uri},
    }


def session_flex(
    *,
    heading: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime | None,
    place: str,
    calendar_url: str,
    cohort_url: str,
    note: str = "",
    language: str | None = None,
) -> dict:
    """A Flex message for a workshop session: the title, the date and time (Buddhist Era in
    Thai, Bangkok time), the place with a map link, "add to calendar" and "my cohort"; and the
    alt text LINE shows in notifications and chat lists."""
    with translation.override(language) if language else translation.override(translation.get_language()):
        when = format_date(starts_at, with_time=True, language=language)
        if ends_at is not None:
            when = f"{when}–{to_bangkok(ends_at):%H:%M}"
        alt = _clip(f"{heading}: {title}, {when}" + (f", {place}" if place else ""), ALT_TEXT_LIMIT)
        body = [
            {"type": "text", "text": _clip(heading, 200), "size": "sm", "color": "#1B7F5B", "weight": "bold"},
            {"type": "text", "text": _clip(title, 300), "size": "lg", "weight": "bold", "wrap": True},
            {"type": "text", "text": when, "size": "md", "wrap": True},
        ]
        if place:
            body.append({"type": "text", "text": _clip(place, 300), "size": "sm", "color": "#555555", "wrap": True})
        if note:
            body.append({"type": "text", "text": _clip(note, 500), "size": "sm", "wrap": True})
        footer = [_button(_("My cohort"), cohort_url, primary=True), _button(_("Add to calendar"), calendar_url)]
        if place:
            footer.insert(1, _button(_("Map"), map_url(place)))
        return {
            "type": "flex",
            "altText": alt,
            "contents": {
                "type": "bubble",
                "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
                "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": footer},
            },
        }


# --- the deliverer --------------------------------------------------------------------------------

_client: dict = {}


def messaging_api():
    """One Messaging API client per process (keeps its HTTP connections)."""
    from linebot.v3.messaging import ApiClient, Configuration, MessagingApi

    config_key = (settings.LINE_API_HOST, settings.LINE_CHANNEL_ACCESS_TOKEN)
    if _client.get("key") != config_key:
        configuration = Configuration(host=settings.LINE_API_HOST, access_token=settings.LINE_CHANNEL_ACCESS_TOKEN)
        _client["api"] = MessagingApi(ApiClient(configuration))
        _client["key"] = config_key
    return _client["api"]


def _answer_of(error) -> str:
    body = getattr(error, "body", "") or ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        message = json.loads(body).get("message", "")
    except (ValueError, AttributeError):
        message = body
    return f"{getattr(error, 'status', '')} {message}".strip()[:500]


def line_quota_record(*, answer: str) -> bool:
    """LINE said the monthly quota is used up: remember it for this month. True the first time
    (staff are told once, in the outbox admin)."""
    _notice, created = LineQuotaNotice.objects.get_or_create(month=quota_month(), defaults={"answer": answer})
    if created:
        logger.warning("LINE monthly quota used up: LINE messages go by email until the month ends.")
    return created


def send_line(email: OutboundEmail, connection=None) -> str:
    """Push one claimed row to its person's LINE. Returns LINE's answer; raises a LineError."""
    from linebot.v3.messaging import PushMessageRequest
    from linebot.v3.messaging.exceptions import ApiException

    if line_quota_exhausted():
        raise LineQuotaExhausted("LINE's monthly quota is used up.", answer="quota used up this month")
    line_user_id = (
        LineContact.objects.filter(user_id=email.recipient_user_id, is_friend=True)
        .values_list("line_user_id", flat=True)
        .first()
    )
    if line_user_id is None:
        raise LineUnreachable("Not linked to LINE or not a friend of the account.", answer="not reachable")
    request = PushMessageRequest.from_dict({"to": line_user_id, "messages": [line_message(email)]})
    try:
        messaging_api().push_message(
            request, x_line_retry_key=retry_key(email.key), _request_timeout=settings.LINE_TIMEOUT_SECONDS
        )
    except ApiException as error:
        answer = _answer_of(error)
        status = error.status or 0
        if status == 409:
            return f"{answer} (accepted before)"[:500]  # the retry key was accepted: sent once
        if status == 429 and any(word in answer.lower() for word in QUOTA_WORDS):
            line_quota_record(answer=answer)
            raise LineQuotaExhausted(answer, answer=answer) from error
        if status == 429:
            raise LineRateLimited(answer, answer=answer) from error
        if status in (400, 403, 404):
            raise LineUnreachable(answer, answer=answer) from error
        raise LineServerError(answer, answer=answer) from error
    except OSError as error:  # connection refused, timeout: LINE (or the way to it) is down
        raise LineServerError(str(error), answer=type(error).__name__) from error
    except Exception as error:  # urllib3's own errors (protocol, timeout) are not OSErrors
        if type(error).__module__.startswith("urllib3"):
            raise LineServerError(str(error), answer=type(error).__name__) from error
        raise
    return "200 OK"
