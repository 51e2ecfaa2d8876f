"""Mount each app's API routes, the admin, the OpenAPI schema and its docs."""

from django.contrib import admin
from django.urls import include, path

from users_api.docs import RedocView, SchemaView, SwaggerView
from users_api.health import HealthView, ReadyView, metrics_view

urlpatterns = [
    path("api/", include("accounts.urls")),
    path("api/", include("organizations.urls")),
    path("api/", include("twofactor.urls")),
    path("api/", include("pushtokens.urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    path("_health/", HealthView.as_view(), name="health"),
    path("_ready/", ReadyView.as_view(), name="ready"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
]

handler400 = "users_api.errors.bad_request"
handler403 = "users_api.errors.permission_denied"
handler404 = "users_api.errors.page_not_found"
handler500 = "users_api.errors.server_error"
