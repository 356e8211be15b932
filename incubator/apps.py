from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _two_factor_refresh(sender, request, user, **kwargs) -> None:
    from incubator.two_factor import two_factor_refresh

    if request is not None and hasattr(request, "session"):
        two_factor_refresh(request, user)


class IncubatorConfig(AppConfig):
    name = "incubator"
    verbose_name = _("Incubator core")

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added, authenticator_removed
        from django.contrib.auth.signals import user_logged_in

        from incubator import (
            converters,  # noqa: F401  (registers <id:...> for every app's URLs)
            pdpa,  # noqa: F401  (the PDPA download's tasks)
        )
        from incubator.linelogin import signals  # noqa: F401  (LINE Login keeps LineContact in step)

        # Two-factor status is kept in the session (incubator.two_factor): worked out at login
        # and again when the person adds or removes an authenticator.
        user_logged_in.connect(_two_factor_refresh, dispatch_uid="incubator_two_factor_login")
        authenticator_added.connect(_two_factor_refresh, dispatch_uid="incubator_two_factor_added")
        authenticator_removed.connect(_two_factor_refresh, dispatch_uid="incubator_two_factor_removed")
