from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from cohorts.views.home import home
from incubator import line_views, pdpa_views, views
from incubator.session import session_status

# The admin login goes through allauth, so its rate limits protect it against guessing.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = _("Incubator administration")
admin.site.site_title = _("Incubator")
admin.site.index_title = _("Programs, cohorts and people")

urlpatterns = [
    path("", home, name="home"),  # the open calls (cohorts provides them)
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/ready", views.healthz_ready, name="healthz_ready"),
    path("session/", session_status, name="session_status"),
    path("line/webhook/", line_views.line_webhook, name="line_webhook"),
    path("accounts/messages/", line_views.message_channels, name="message_channels"),
    path("accounts/my-data/", pdpa_views.my_data, name="my_data"),
    path("accounts/my-data/download/<str:token>/", pdpa_views.data_export_download, name="data_export_download"),
    path("accounts/my-data/delete/", pdpa_views.erasure, name="erasure"),
    path("accounts/", include("allauth.urls")),
    path("", include("cohorts.urls")),
    path("", include("coaching.urls")),
    path("", include("workshops.urls")),
    path("", include("outcomes.urls")),
    path("", include("dashboard.urls")),
    path("admin/", admin.site.urls),
]
