from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("register/", views.register, name="register"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("organizations/review/", views.organization_review, name="organization-review"),
    path(
        "organizations/<int:org_id>/verify/",
        views.organization_verify,
        name="organization-verify",
    ),
    path("organizations/<int:org_id>/", views.organization_detail, name="organization-detail"),
]
