from django.urls import path

from hamburg_service.visits import views

app_name = "visits"
urlpatterns = [
    path("kiosk/<slug:slug>/", views.kiosk, name="kiosk"),
    path("ticket/<str:token>/print/", views.ticket_print, name="ticket-print"),
    path("t/<str:token>/", views.mobile, name="mobile"),
    path("display/<slug:slug>/", views.display, name="display"),
    path("desk/<slug:slug>/", views.desk, name="desk"),
    path("counter/", views.counter_list, name="counters"),
    path("counter/<int:counter_id>/", views.counter_view, name="counter"),
]
