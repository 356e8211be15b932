from cohorts.views import applications, decisions, files, review

app_name = "cohorts"

urlpatterns = [*applications.urlpatterns, *review.urlpatterns, *decisions.urlpatterns, *files.urlpatterns]
