"""allauth's LINE Login views, with LINE's endpoints read from the settings."""

from __future__ import annotations

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.line.views import LineOAuth2Adapter as AllauthLineOAuth2Adapter
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.conf import settings
from django.http import Http404


class LineOAuth2Adapter(AllauthLineOAuth2Adapter):
    @property
    def authorize_url(self) -> str:
        return f"{settings.LINE_LOGIN_HOST}/oauth2/v2.1/authorize"

    @property
    def access_token_url(self) -> str:
        return f"{settings.LINE_LOGIN_API_HOST}/oauth2/v2.1/token"

    @property
    def profile_url(self) -> str:
        return f"{settings.LINE_LOGIN_API_HOST}/v2/profile"

    @property
    def id_token_url(self) -> str:
        return f"{settings.LINE_LOGIN_API_HOST}/oauth2/v2.1/verify"

    @property
    def friendship_url(self) -> str:
        return f"{settings.LINE_LOGIN_API_HOST}/friendship/v1/status"

    def complete_login(self, request, app, token, **kwargs):
        login = super().complete_login(request, app, token, **kwargs)
        access_token = (kwargs.get("response") or {}).get("access_token")
        if access_token:
            # Whether the person is a friend of the LINE Official Account (bot_prompt asked them).
            with get_adapter().get_requests_session() as session:
                answer = session.get(self.friendship_url, headers={"Authorization": f"Bearer {access_token}"})
            if answer.ok:
                login.account.extra_data["friendFlag"] = bool(answer.json().get("friendFlag"))
        return login


def _configured_only(view):
    """LINE Login answers 404 while no LINE Login channel is configured (instead of failing),
    and its "continue to LINE" form may be sent on to LINE (the site's Content-Security-Policy
    allows forms to go to the site only: `form-action` also governs the redirect after them)."""

    def wrapped(request, *args, **kwargs):
        if not get_adapter().list_apps(request, provider=LineOAuth2Adapter.provider_id):
            raise Http404
        response = view(request, *args, **kwargs)
        response._csp_update = {"form-action": [settings.LINE_LOGIN_HOST]}
        return response

    return wrapped


oauth2_login = _configured_only(OAuth2LoginView.adapter_view(LineOAuth2Adapter))
oauth2_callback = _configured_only(OAuth2CallbackView.adapter_view(LineOAuth2Adapter))
