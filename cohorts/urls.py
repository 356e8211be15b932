from cohorts.views import applications, review

app_name = "cohorts"

urlpatterns = [*applications.urlpatterns, *review.urlpatterns]
