from cohorts.views import applications, assignment, blind, decisions, files, review

app_name = "cohorts"

urlpatterns = [
    *applications.urlpatterns,
    *review.urlpatterns,
    *blind.urlpatterns,
    *assignment.urlpatterns,
    *decisions.urlpatterns,
    *files.urlpatterns,
]
