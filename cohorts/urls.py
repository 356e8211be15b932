from cohorts.views import applications, assignment, blind, decisions, emails, extensions, files, review

app_name = "cohorts"

urlpatterns = [
    *applications.urlpatterns,
    *review.urlpatterns,
    *blind.urlpatterns,
    *assignment.urlpatterns,
    *decisions.urlpatterns,
    *extensions.urlpatterns,
    *emails.urlpatterns,
    *files.urlpatterns,
]
