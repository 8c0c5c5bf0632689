"""Browser routes of challenge lists and competitions."""

from __future__ import annotations

from django.urls import path

from portal.challenges import views

app_name = "challenges"

urlpatterns = [
    path("", views.programme_list, name="list"),
    path("<int:pk>/", views.programme_detail, name="detail"),
    path("<int:pk>/challenges/<int:challenge_pk>/", views.challenge_detail, name="challenge"),
]
