"""The public verification page of registration certificates (`/verify/`, `/en/verify/`)."""

from django.urls import path

from hamburg_service.people import public_views

app_name = "verify"
urlpatterns = [
    path("", public_views.verify, name="verify"),
]
