from django.conf import settings
from django.utils import translation


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
