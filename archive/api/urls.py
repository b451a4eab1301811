from . import disposal, lending, records, search, transfers

urlpatterns = [
    *records.urlpatterns,
    *search.urlpatterns,
    *disposal.urlpatterns,
    *transfers.urlpatterns,
    *lending.urlpatterns,
]
