from cohorts.views import (
    applications,
    assignment,
    blind,
    decisions,
    emails,
    extensions,
    files,
    interviews,
    review,
    selection,
)

app_name = "cohorts"

urlpatterns = [
    *applications.urlpatterns,
    *review.urlpatterns,
    *selection.urlpatterns,
    *blind.urlpatterns,
    *assignment.urlpatterns,
    *interviews.urlpatterns,
    *decisions.urlpatterns,
    *extensions.urlpatterns,
    *emails.urlpatterns,
    *files.urlpatterns,
]
