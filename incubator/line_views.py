"""LINE's pages: the webhook LINE calls, and each person's choice of channel per kind of message."""

from __future__ import annotations

import logging

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from incubator import channels, line, line_contacts
from incubator.enums import ChannelChoice, MessageKind
from incubator.models import LineContact

logger = logging.getLogger(__name__)


@csrf_exempt  # LINE signs the body instead (X-Line-Signature), checked before anything else
@require_POST
def line_webhook(request: HttpRequest) -> HttpResponse:
    """LINE's webhook: the signature first (400 and nothing changed when it is wrong), then
    follow and unfollow events update whether a person can be reached on LINE."""
    from linebot.v3 import WebhookParser
    from linebot.v3.exceptions import InvalidSignatureError
    from linebot.v3.webhooks import FollowEvent, UnfollowEvent

    if not settings.LINE_CHANNEL_SECRET:
        raise Http404
    signature = request.headers.get("X-Line-Signature", "")
    try:
        body = request.body.decode("utf-8")
        events = WebhookParser(settings.LINE_CHANNEL_SECRET).parse(body, signature)
    except InvalidSignatureError:
        return HttpResponseBadRequest("bad signature")
    except (ValueError, KeyError, TypeError, AttributeError):
        return HttpResponseBadRequest("bad body")
    for event in events:
        user_id = getattr(event.source, "user_id", None)
        if not user_id:
            continue
        if isinstance(event, FollowEvent):
            line_contacts.line_follow(line_user_id=user_id)
        elif isinstance(event, UnfollowEvent):
            line_contacts.line_unfollow(line_user_id=user_id)
    return HttpResponse("OK", content_type="text/plain")


class MessageChannelsForm(forms.Form):
    """One choice per kind of message; LINE (alone or with email) only once reachable."""

    def __init__(self, *args, reachable: bool, initial_choices: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.reachable = reachable
        for kind, label in MessageKind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label,
                choices=ChannelChoice.choices if reachable else [(ChannelChoice.EMAIL, ChannelChoice.EMAIL.label)],
                initial=initial_choices[kind] if reachable else ChannelChoice.EMAIL,
                widget=forms.RadioSelect,
            )
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save"), css_id="save-channels"))

    def clean(self):
        data = super().clean()
        if not self.reachable and any(value != ChannelChoice.EMAIL for value in data.values()):
            raise forms.ValidationError(_("Link LINE and add our LINE account as a friend first."))
        return data


@login_required
def message_channels(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own choices; nobody else's can be reached through this page."""
    user = request.user
    contact = LineContact.objects.filter(user=user).first()
    reachable = bool(contact and contact.is_friend) and line.line_messaging_enabled()
    form = MessageChannelsForm(request.POST or None, reachable=reachable, initial_choices=channels.choices_for(user))
    if request.method == "POST" and form.is_valid():
        channels.message_channels_set(user=user, choices=form.cleaned_data)
        messages.success(request, _("Your choices are saved."))
        return redirect("message_channels")
    return render(
        request,
        "incubator/message_channels.html",
        {
            "form": form,
            "contact": contact,
            "reachable": reachable,
            "line_login": bool(settings.SOCIALACCOUNT_PROVIDERS["line"]["APPS"]),
        },
    )
