"""The archive's API, under /api/ (names `archive-*`)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .lending import LoanViewSet
from .records import CaseFileViewSet, ClassificationViewSet, RecordViewSet
from .search import ClassificationSuggestView, RecordSearchView

router = SimpleRouter()
router.register("archive/records", RecordViewSet, basename="archive-record")
router.register("archive/classifications", ClassificationViewSet, basename="archive-classification")
router.register("archive/case-files", CaseFileViewSet, basename="archive-case-file")

# In the order the routes always had: the records' router, the search, the loans.
loans = SimpleRouter()
loans.register("archive/loans", LoanViewSet, basename="archive-loan")

urlpatterns = [
    *router.urls,
    path("archive/search/", RecordSearchView.as_view(), name="archive-search"),
    path(
        "archive/classifications/suggest/",
        ClassificationSuggestView.as_view(),
        name="archive-classification-suggest",
    ),
    *loans.urls,
]
