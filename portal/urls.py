"""Root URL configuration. Each area includes its own module so teams do not collide."""

from __future__ import annotations

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class FaviconRedirectView(RedirectView):
    """Browsers ask for /favicon.ico whatever the page says; send them to the SVG icon
    (resolved per request: the hashed static name exists only after collectstatic)."""

    permanent = True

    def get_redirect_url(self, *args: object, **kwargs: object) -> str:
        return static("favicon.svg")


handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"

urlpatterns = [
    path("favicon.ico", FaviconRedirectView.as_view()),
    # "/" is each role's to-do home (the landing page for visitors); it comes first so it
    # answers "/" before portal.site_urls' landing page (whose name, portal:home, still
    # reverses to "/")
    path("", include("portal.workbench.urls")),
    path("", include("portal.site_urls")),
    path("", include("portal.register_urls")),
    path("matching/", include("matching.urls")),
    path("alliances/", include("portal.alliances.urls")),
    path("events/", include("portal.events.urls")),
    path("challenges/", include("portal.challenges.urls")),
    path("dispatch/", include("portal.dispatch.urls")),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline <script> under the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
