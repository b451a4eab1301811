from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("units", views.UnitViewSet, basename="unit")
router.register("positions", views.PositionViewSet, basename="position")
router.register("users", views.UserViewSet, basename="user")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("roles", views.UnitRoleViewSet, basename="role")

urlpatterns = router.urls
