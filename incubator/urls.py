from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from incubator import views

# The admin login goes through allauth, so its rate limits protect it against guessing.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = _("Incubator administration")
admin.site.site_title = _("Incubator")
admin.site.index_title = _("Programs, cohorts and people")

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("", include("cohorts.urls")),
    path("", include("workshops.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
