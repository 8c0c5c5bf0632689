"""Site-wide API endpoints: token login and the current user."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.mfa import mfa_enabled, mfa_match
from accounts.models import User


class TokenObtainApi(APIView):
    """POST username + password → {"token": "..."} for the Authorization: Token header."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField()
        password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
        otp = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            help_text=_("两步验证码（已启用两步验证的账号必填）"),
        )

        class Meta:
            ref_name = "TokenObtainInput"

    @extend_schema(
        request=InputSerializer,
        responses=inline_serializer("TokenOutput", {"token": serializers.CharField()}),
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request=request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise exceptions.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [_("用户名或密码错误。")]}
            )
        # A token is a login too: users with two-step sign-in give a code or a recovery code.
        if mfa_enabled(user) and mfa_match(user, data.validated_data["otp"]) is None:
            raise exceptions.ValidationError(
                {"otp": [_("该账号已启用两步验证，请提供正确的验证码。")]}
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        display_name = serializers.CharField()
        role = serializers.CharField()
        organization = serializers.CharField(allow_null=True)
        organization_verified = serializers.BooleanField(allow_null=True)

        class Meta:
            ref_name = "Me"

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        user = request.user
        assert isinstance(user, User)
        org = user.organization
        return Response(
            self.OutputSerializer(
                {
                    "id": user.pk,
                    "username": user.username,
                    "display_name": user.display_name,
                    "role": user.role,
                    "organization": org.name if org else None,
                    "organization_verified": org.is_verified if org else None,
                }
            ).data
        )
