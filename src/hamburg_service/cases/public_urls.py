"""The applicant's status page (cases.status_page): German at /case-status/, English at
/en/case-status/."""

from django.urls import path

from hamburg_service.cases import status_page

app_name = "case-status"
urlpatterns = [
    path("", status_page.ask, name="ask"),
    path("leave/", status_page.leave, name="leave"),
    path("<str:reference>/", status_page.show, name="show"),
    path(
        "<str:reference>/letters/<str:number>/<str:variant>/",
        status_page.letter,
        name="letter",
    ),
]
