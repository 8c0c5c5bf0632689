from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import mfa_views, notification_views, views

app_name = "accounts"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("login/", mfa_views.LoginView.as_view(), name="login"),
    path("login/verify/", mfa_views.mfa_verify, name="mfa-verify"),
    path("mfa/", mfa_views.mfa_setup, name="mfa-setup"),
    path("mfa/codes/", mfa_views.mfa_codes, name="mfa-codes"),
    path("mfa/codes/regenerate/", mfa_views.mfa_regenerate, name="mfa-regenerate"),
    path("mfa/disable/", mfa_views.mfa_disable, name="mfa-disable"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("password/change/", views.password_change, name="password-change"),
    path("password/change/done/", views.password_change_done, name="password-change-done"),
    path("password/reset/", views.password_reset, name="password-reset"),
    path("password/reset/done/", views.password_reset_done, name="password-reset-done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        views.password_reset_complete,
        name="password-reset-complete",
    ),
    path("organizations/review/", views.organization_review, name="organization-review"),
    path(
        "organizations/<int:org_id>/verify/",
        views.organization_verify,
        name="organization-verify",
    ),
    path("organizations/<int:org_id>/", views.organization_detail, name="organization-detail"),
    path("notifications/", notification_views.notification_list, name="notification-list"),
    path(
        "notifications/read-all/",
        notification_views.notification_read_all,
        name="notification-read-all",
    ),
    path(
        "notifications/<int:notification_id>/",
        notification_views.notification_open,
        name="notification-open",
    ),
    path(
        "notifications/<int:notification_id>/read/",
        notification_views.notification_read,
        name="notification-read",
    ),
]
