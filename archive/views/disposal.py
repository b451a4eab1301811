"""Pages of the archive: disposal."""

urlpatterns: list = []
