from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("events", views.EventViewSet, basename="event")
router.register("rooms", views.RoomViewSet, basename="room")
router.register("bookings", views.BookingViewSet, basename="booking")

urlpatterns = router.urls
