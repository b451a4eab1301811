"""Archive API: transfers."""

urlpatterns: list = []
