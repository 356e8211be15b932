from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation


class LanguageMiddleware:
    """Thai unless the person chose otherwise: the language cookie, then the signed-in
    user's preferred language, then LANGUAGE_CODE. The browser's Accept-Language is not
    consulted, so a visitor with an English browser still meets the Thai site first."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.languages:
            user = getattr(request, "user", None)
            language = getattr(user, "preferred_language", None) if user and user.is_authenticated else None
        if language not in self.languages:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class RefuseNulMiddleware:
    """A NUL character in the address (path or query string) answers 400 with a message.

    PostgreSQL cannot store or compare text with NUL (it raises DataError, a 500), and no
    person types one: it comes from a mangled link or a probe. Forms refuse NUL in what is
    posted with their own message (Django's CharField, incubator.validators.NoNulValidator);
    this guards every GET parameter (searches, admin filters, tokens) in one place.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            return render(request, "incubator/bad_address.html", status=400)
        return self.get_response(request)


class TwoFactorMiddleware:
    """After the grace period (incubator.two_factor), a person who must use two-factor login
    and has not enrolled is sent to enrolment from every page but the account pages (where
    they enrol, verify their email or log out); the admin included."""

    EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz", "/session/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from incubator.two_factor import two_factor_due

        due = two_factor_due(request)
        if due is not None and due <= timezone.now() and not request.path.startswith(self.EXEMPT_PREFIXES):
            # Asked again before refusing (enrolled in another tab, role taken away).
            due = two_factor_due(request, refresh=True)
            if due is not None and due <= timezone.now():
                return redirect_to_login(request.get_full_path(), login_url=reverse("mfa_activate_totp"))
        request.two_factor_due = due
        return self.get_response(request)
