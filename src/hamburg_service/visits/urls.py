from django.urls import path

from hamburg_service.visits.views import counter, desk, kiosks, public

app_name = "visits"
urlpatterns = [
    path("kiosk/<slug:slug>/", public.kiosk, name="kiosk"),
    path("kiosk/<slug:slug>/setup/", public.kiosk_setup, name="kiosk-setup"),
    path("ticket/<str:token>/print/", public.ticket_print, name="ticket-print"),
    path("t/<str:token>/", public.mobile, name="mobile"),
    path("display/<slug:slug>/", public.display, name="display"),
    path("desk/<slug:slug>/", desk.desk, name="desk"),
    path("kiosks/<slug:slug>/", kiosks.kiosk_devices, name="kiosks"),
    path("counter/", counter.counter_list, name="counters"),
    path("counter/<int:counter_id>/", counter.counter_view, name="counter"),
]
