from django.urls import path

from hamburg_service.portal import signin_views, views

app_name = "portal"
urlpatterns: list = [
    # My account (portal.views).
    path("", views.home, name="home"),
    path("applications/", views.applications, name="applications"),
    path("applications/<str:reference>/", views.application, name="application"),
    path(
        "applications/<str:reference>/letters/<str:number>/<str:variant>/",
        views.application_letter,
        name="application-letter",
    ),
    path(
        "applications/<str:reference>/files/<uuid:public_id>/",
        views.application_file,
        name="application-file",
    ),
    path(
        "applications/<str:reference>/certificates/<uuid:public_id>/",
        views.application_certificate,
        name="application-certificate",
    ),
    path("drafts/", views.drafts, name="drafts"),
    path("drafts/<uuid:public_id>/delete/", views.draft_delete, name="draft-delete"),
    path("documents/", views.documents, name="documents"),
    path("messages/", views.messages_view, name="messages"),
    path("appointments/", views.appointments, name="appointments"),
    path("my-data/", views.my_data_view, name="my-data"),
    path("link/", views.link, name="link"),
    # Sign-in and sign-out (portal.signin_views).
    path("sign-in/", signin_views.signin, name="signin"),
    path("sign-in/link/<str:token>/", signin_views.signin_link, name="signin_link"),
    path("sign-in/oidc/", signin_views.oidc_start, name="oidc_start"),
    path("sign-in/oidc/callback/", signin_views.oidc_callback, name="oidc_callback"),
    path("sign-out/", signin_views.signout, name="signout"),
]
