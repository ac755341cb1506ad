from django.urls import path

from hamburg_service.appointments import staff_views, views

app_name = "appointments"
urlpatterns = [
    path("", views.search, name="search"),
    path("book/", views.book, name="book"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("link/", views.link_request, name="link"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/move/", views.move, name="move"),
    path("manage/<str:token>/calendar.ics", views.calendar, name="calendar"),
    path("waitlist/", views.waitlist_join, name="waitlist"),
    path("waitlist/leave/<str:token>/", views.waitlist_leave, name="waitlist-leave"),
    path("staff/<slug:slug>/", staff_views.book_view, name="staff-book"),
    path("staff/<slug:slug>/find/", staff_views.find, name="staff-find"),
    path(
        "staff/<slug:slug>/closures/<int:closure_id>/",
        staff_views.closure_affected,
        name="staff-closure",
    ),
    path("staff/<slug:slug>/new/", staff_views.book_for_caller, name="staff-new"),
    path("staff/appointment/<str:reference>/", staff_views.appointment_detail, name="staff-detail"),
    path(
        "staff/appointment/<str:reference>/print/",
        staff_views.appointment_print,
        name="staff-print",
    ),
]
