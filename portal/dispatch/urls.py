"""Browser routes of the dispatch rounds (产业特派员)."""

from __future__ import annotations

from django.urls import path

from portal.dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("", views.round_list, name="list"),
    path("new/", views.round_create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.round_detail, name="detail"),
    path("<int:pk>/open/", views.round_open, name="open"),
    path("<int:pk>/enterprises/", views.enterprises_add, name="enterprises-add"),
    path("<int:pk>/solve/", views.round_solve, name="solve"),
    path("<int:pk>/pin/", views.assignment_pin, name="pin"),
    path("<int:pk>/publish/", views.round_publish, name="publish"),
    path("<int:pk>/volunteer/", views.volunteer, name="volunteer"),
    path("<int:pk>/exclusions/", views.exclusions, name="exclusions"),
    path("<int:pk>/ledger/", views.ledger, name="ledger"),
    path("assignments/<int:aid>/visit/", views.visit_log, name="visit-log"),
    path("visits/<int:vid>/propose/", views.visit_propose, name="visit-propose"),
    path("visits/<int:vid>/rate/", views.visit_rate, name="visit-rate"),
    path("visits/<int:vid>/attachments/", views.visit_attach, name="visit-attach"),
    path(
        "visits/<int:vid>/attachments/<int:aid>/",
        views.visit_attachment,
        name="visit-attachment",
    ),
    path("<int:pk>/ledger.xlsx", views.ledger_export, name="ledger-export"),
]
