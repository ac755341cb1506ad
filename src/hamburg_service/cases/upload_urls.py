"""The applicant's link pages of a case, mounted at the site's root (in each language):
uploading requested documents, choosing an offered appointment."""

from django.urls import path

from hamburg_service.cases import offer_views, upload_views

app_name = "case-links"
urlpatterns = [
    path("case-upload/<str:token>/", upload_views.upload, name="upload"),
    path(
        "case-upload/<str:token>/files/<uuid:public_id>/",
        upload_views.upload_file,
        name="upload-file",
    ),
    path("case-appointment/<str:token>/", offer_views.appointment, name="appointment"),
]
