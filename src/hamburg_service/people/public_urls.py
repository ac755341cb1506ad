"""The public pages of the person record: register information (§ 44 BMG), German at
/register-information/, English at /en/register-information/."""

from django.urls import path

from hamburg_service.people import information_views

app_name = "register-information"
urlpatterns = [
    path("", information_views.register_information, name="ask"),
]
