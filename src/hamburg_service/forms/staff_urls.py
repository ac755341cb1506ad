app_name = "forms_staff"
urlpatterns: list = []
