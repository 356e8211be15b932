from cohorts.views import applications, files, review

app_name = "cohorts"

urlpatterns = [*applications.urlpatterns, *review.urlpatterns, *files.urlpatterns]
