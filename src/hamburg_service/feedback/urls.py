from django.urls import path

from hamburg_service.feedback import views

app_name = "feedback"
urlpatterns = [path("", views.feedback_list, name="list")]
