from cohorts.views import applications, files, review, selection

app_name = "cohorts"

urlpatterns = [*applications.urlpatterns, *review.urlpatterns, *selection.urlpatterns, *files.urlpatterns]
