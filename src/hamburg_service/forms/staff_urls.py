from django.urls import path

from hamburg_service.forms import handoff_views, staff_views

app_name = "forms_staff"
urlpatterns: list = [
    # Submissions per service per day, for leads; an application's uploads (forms.staff_views).
    path("", staff_views.figures, name="figures"),
    path("figures.json", staff_views.figures_json, name="figures-json"),
    path(
        "cases/<str:reference>/files/<uuid:public_id>/",
        staff_views.answer_file,
        name="answer-file",
    ),
    # Hand-offs to outside systems that failed or still wait, with a retry (forms.handoff_views).
    path("handoffs/", handoff_views.handoffs, name="handoffs"),
    path("handoffs/<int:pk>/retry/", handoff_views.handoff_retry_view, name="handoff-retry"),
]
