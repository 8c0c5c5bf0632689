"""The home page (工作台) and the lists behind its counts; included at the site root."""

from __future__ import annotations

from django.urls import path

from portal.workbench import views

app_name = "workbench"

urlpatterns = [
    path("", views.home, name="home"),
    path("workbench/idle/", views.idle_pairs, name="idle-pairs"),
]
