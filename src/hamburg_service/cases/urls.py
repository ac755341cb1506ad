from django.urls import path

from hamburg_service.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("next/", views.next_case, name="next"),
    path("pool/", views.pool_view, name="pool"),
    path("new/", views.case_new, name="new"),
    path("team/", views.team, name="team"),
    path("<str:reference>/", views.case_page, name="case"),
]
