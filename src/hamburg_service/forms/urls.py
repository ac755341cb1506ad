from django.urls import path

from hamburg_service.forms import submission_views, views

app_name = "forms"
urlpatterns: list = [
    # Submitting and the receipt (forms.submission_views), before the step pattern.
    path("draft/<uuid:public_id>/submit/", submission_views.submit, name="submit"),
    path("receipt/<uuid:public_id>/", submission_views.receipt, name="receipt"),
    path("receipt/<uuid:public_id>/summary.pdf", submission_views.receipt_pdf, name="receipt_pdf"),
    path("", views.services_list, name="list"),
    path("resume/<str:token>/", views.resume, name="resume"),
    path("draft/<uuid:public_id>/summary/", views.summary, name="summary"),
    path("draft/<uuid:public_id>/exit/", views.exit_page, name="exit"),
    path("draft/<uuid:public_id>/later/", views.later, name="later"),
    path("draft/<uuid:public_id>/", views.continue_draft, name="continue"),
    path("draft/<uuid:public_id>/<slug:step>/", views.step, name="step"),
    path("<slug:slug>/", views.start, name="start"),
]
