from dashboard.views import public, research, staff

app_name = "dashboard"

urlpatterns = [*staff.urlpatterns, *public.urlpatterns, *research.urlpatterns]
