from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from .api import router


@login_required
def ping(request):
    """Two bytes behind a login, reading nothing beyond the session and its user: the yardstick
    the load benchmark (bench/run.py) divides the pages' latency by."""
    return HttpResponse("ok", content_type="text/plain")


def favicon(request):
    """Browsers ask for /favicon.ico on every page that names no icon (the API's JSON, files)."""
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("ping/", ping, name="ping"),
    path("favicon.ico", favicon),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The import page is the staff page now, for everyone with an import permission.
    path("admin/import/", RedirectView.as_view(pattern_name="import-start"), name="admin-import"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(router.urls)),
    path("api/v1/auth/token/", obtain_auth_token, name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("clients/", include("marketing.urls")),
    path("staffing/", include("staffing.urls")),
    path("appraisal/", include("appraisal.urls")),
    path("imports/", include("runs.urls")),
    path("", include("accounts.urls")),
]
