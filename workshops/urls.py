from workshops.views import participant, staff

app_name = "workshops"

urlpatterns = [*participant.urlpatterns, *staff.urlpatterns]
