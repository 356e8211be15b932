from cohorts.views import applications, files, interviews, review

app_name = "cohorts"

urlpatterns = [*applications.urlpatterns, *review.urlpatterns, *files.urlpatterns, *interviews.urlpatterns]
