"""Pages of the archive: transfers."""

urlpatterns: list = []
