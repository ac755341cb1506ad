from django.urls import path

from hamburg_service.appointments import views

app_name = "appointments"
urlpatterns = [
    path("", views.search, name="search"),
    path("book/", views.book, name="book"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/move/", views.move, name="move"),
    path("manage/<str:token>/calendar.ics", views.calendar, name="calendar"),
]
