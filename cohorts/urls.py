from cohorts.views import applications, blind, files, review

app_name = "cohorts"

urlpatterns = [*applications.urlpatterns, *review.urlpatterns, *blind.urlpatterns, *files.urlpatterns]
