from django.urls import path

from hamburg_service.people import citizen_link_views, information_views, views

app_name = "people"
urlpatterns = [
    path("", views.search, name="search"),
    path(
        "register-information/",
        information_views.register_information_log,
        name="register-information",
    ),
    path("new/", views.person_new, name="new"),
    path("<int:person_id>/", views.person, name="person"),
    path("<int:person_id>/certificates/", views.certificate_issue, name="certificate-issue"),
    path(
        "<int:person_id>/certificates/<int:certificate_id>/revoke/",
        views.certificate_revoke,
        name="certificate-revoke",
    ),
    path("<int:person_id>/register/", views.register, name="register"),
    path("<int:person_id>/duplicates/", views.duplicates, name="duplicates"),
    path("<int:person_id>/papers/", views.papers, name="papers"),
    path("<int:person_id>/correct/", views.correct, name="correct"),
    path("<int:person_id>/death/", views.death, name="death"),
    path("<int:person_id>/account/", citizen_link_views.person_account, name="account"),
]
