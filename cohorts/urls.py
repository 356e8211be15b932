from cohorts.views import applications, assignment, files, review

app_name = "cohorts"

urlpatterns = [*applications.urlpatterns, *review.urlpatterns, *files.urlpatterns, *assignment.urlpatterns]
