from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from hamburg_service.api import api, api_docs
from hamburg_service.core.key_set import key_set
from hamburg_service.web import views as web_views

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path(".well-known/hamburg-service-keys.json", key_set, name="key-set"),
]
urlpatterns += i18n_patterns(
    # A page of the site: German at /api/docs, English at /en/api/docs.
    path("api/docs", api_docs, name="api-docs"),
    path("", include("hamburg_service.web.urls")),
    path("appointments/", include("hamburg_service.appointments.urls")),
    path("visits/", include("hamburg_service.visits.urls")),
    path("staff/feedback/", include("hamburg_service.feedback.urls")),
    path("staff/people/", include("hamburg_service.people.urls")),
    path("staff/cases/", include("hamburg_service.cases.urls")),
    path("", include("hamburg_service.cases.upload_urls")),  # /case-upload/, /case-appointment/
    path("case-status/", include("hamburg_service.cases.public_urls")),
    path("my-data/", include("hamburg_service.people.my_data_urls")),
    path("register-information/", include("hamburg_service.people.public_urls")),
    path("verify/", include("hamburg_service.people.public_verify_urls")),
    path("staff/online/", include("hamburg_service.forms.staff_urls")),
    path("online/", include("hamburg_service.forms.urls")),  # the online services' forms
    path("account/", include("hamburg_service.portal.urls")),  # "my account", citizen sign-in
    path("staff/", include("hamburg_service.accounts.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

# Our pages in the address's language (problems under /api/), also with DEBUG
# (core.middleware.ErrorPagesMiddleware).
handler403 = "hamburg_service.core.error_pages.permission_denied"
handler404 = "hamburg_service.core.error_pages.page_not_found"
handler500 = "hamburg_service.web.views.server_error"
