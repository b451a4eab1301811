from .views import disposal, lending, records, search, transfers

app_name = "archive"

urlpatterns = [
    # Before the records' catch-all `records/<pk>/<action>/`: `records/<pk>/loan/`.
    *lending.urlpatterns,
    *records.urlpatterns,
    *search.urlpatterns,
    *disposal.urlpatterns,
    *transfers.urlpatterns,
]
