from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("letters", views.LetterViewSet, basename="letter")
router.register("inbox", views.InboxViewSet, basename="inbox")
router.register("outbox", views.OutboxViewSet, basename="outbox")
router.register("deliveries", views.DeliveryViewSet, basename="delivery")
router.register("dispositions", views.DispositionViewSet, basename="disposition")
router.register("incoming", views.IncomingViewSet, basename="incoming")

urlpatterns = router.urls
