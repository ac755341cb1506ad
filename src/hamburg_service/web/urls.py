from django.urls import path

from hamburg_service.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("services/<slug:slug>/", views.service_detail, name="service"),
    path("locations/", views.locations, name="locations"),
    path("locations/<slug:slug>/", views.location_detail, name="location"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("imprint/", views.imprint, name="imprint"),
    path("privacy/", views.privacy, name="privacy"),
]
