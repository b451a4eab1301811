from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("security-events", views.SecurityEventViewSet, basename="security-event")

urlpatterns = router.urls
