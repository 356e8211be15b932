from cohorts.views import applications, extensions, files, review

app_name = "cohorts"

urlpatterns = [*applications.urlpatterns, *review.urlpatterns, *files.urlpatterns, *extensions.urlpatterns]
