from cohorts.views import applications, blind, decisions, files, review

app_name = "cohorts"

urlpatterns = [
    *applications.urlpatterns,
    *review.urlpatterns,
    *blind.urlpatterns,
    *decisions.urlpatterns,
    *files.urlpatterns,
]
