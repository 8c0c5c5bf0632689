"""Pages of the dashboards (mounted under /matching/ by matching.urls)."""

from __future__ import annotations

from django.urls import path

from matching.dashboards import views as dashboard_views

urlpatterns = [
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path(
        "dashboard/export/<slug:table>.xlsx",
        dashboard_views.dashboard_export,
        name="dashboard-export",
    ),
    path("statistics/", dashboard_views.public_statistics, name="statistics"),
]
