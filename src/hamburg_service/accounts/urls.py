from django.urls import path

from hamburg_service.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", views.StaffLogoutView.as_view(), name="logout"),
    path("locations/<slug:slug>/", views.location_day, name="location"),
    path("closures/<int:closure_id>/delete/", views.closure_delete, name="closure-delete"),
    path("access-log/", views.access_log, name="access-log"),
]
