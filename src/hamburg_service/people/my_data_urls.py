from django.urls import path

from hamburg_service.people import my_data_views

app_name = "my-data"
urlpatterns = [
    path("", my_data_views.my_data_ask, name="ask"),
    path("<str:token>/", my_data_views.my_data_report, name="report"),
]
