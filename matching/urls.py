"""Browser pages of the matching engine and match workflow."""

from __future__ import annotations

from django.urls import path

from matching.dashboards import urls as dashboard_urls
from matching.learning import views as learning_views
from matching.lists import views
from matching.pairs import urls as workflow_urls

app_name = "matching"

urlpatterns = [
    path("rematch/", views.rematch_status, name="rematch"),
    path("rematch/start/", views.rematch_start, name="rematch-start"),
    path("rematch/<int:job_id>/progress/", views.rematch_progress, name="rematch-progress"),
    path("learning/", learning_views.learning_page, name="learning"),
    path(
        "recommendations/<str:kind>/<int:pk>/",
        views.recommendations,
        name="recommendations",
    ),
]

# The staff workflow (issue 5): review, pairs, follow-ups, dashboards.
urlpatterns += workflow_urls.urlpatterns + dashboard_urls.urlpatterns
