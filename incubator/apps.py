from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncubatorConfig(AppConfig):
    name = "incubator"
    verbose_name = _("Incubator core")

    def ready(self) -> None:
        from incubator import converters  # noqa: F401  (registers <id:...> for every app's URLs)
        from incubator.linelogin import signals  # noqa: F401  (LINE Login keeps LineContact in step)
