from django.urls import path

from hamburg_service.cases import letter_views, offer_views, request_views, views

app_name = "cases"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("next/", views.next_case, name="next"),
    path("pool/", views.pool_view, name="pool"),
    path("new/", views.case_new, name="new"),
    path("team/", views.team, name="team"),
    path("backlog/", views.backlog, name="backlog"),
    path("<str:reference>/", views.case_page, name="case"),
    # Document requests and appointment offers (request_views, offer_views).
    path("<str:reference>/request/", request_views.request_new, name="request"),
    path(
        "<str:reference>/request/<int:pk>/letter/",
        request_views.request_letter_view,
        name="request-letter",
    ),
    path("<str:reference>/files/<uuid:public_id>/", request_views.file_download, name="file"),
    path("<str:reference>/offer/", offer_views.offer_new, name="offer"),
    path(
        "<str:reference>/offer/<int:pk>/letter/", offer_views.offer_letter_view, name="offer-letter"
    ),
    # Decision letters and provisional certificates (letter_views).
    path("<str:reference>/letters/", letter_views.letter_issue_view, name="letter-issue"),
    path(
        "<str:reference>/provisional/",
        letter_views.provisional_renew_view,
        name="provisional-renew",
    ),
    path(
        "<str:reference>/letters/<str:number>/<str:variant>/",
        letter_views.letter_download,
        name="letter-download",
    ),
]
