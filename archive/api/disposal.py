"""Archive API: disposal."""

urlpatterns: list = []
