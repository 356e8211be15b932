from cohorts.views import applications, emails, files, review

app_name = "cohorts"

urlpatterns = [*applications.urlpatterns, *review.urlpatterns, *files.urlpatterns, *emails.urlpatterns]
