from outcomes.views import urlpatterns

app_name = "outcomes"

__all__ = ["urlpatterns"]
