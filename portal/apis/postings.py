"""API of the three registers: one view per operation, each calling a service.

The base classes hold the flow; the per-register subclasses below only name the register,
its filter set and its serializers (so the OpenAPI schema documents each one).
"""

from __future__ import annotations

from typing import Any

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response

from portal import access, selectors
from portal.apis.serializers import (
    INPUT_SERIALIZERS,
    OUTPUT_SERIALIZERS,
    ExpertInputSerializer,
    ExpertOutputSerializer,
    NeedInputSerializer,
    NeedOutputSerializer,
    RejectInputSerializer,
    ResultInputSerializer,
    ResultOutputSerializer,
    service_data,
)
from portal.filters import ExpertFilter, NeedFilter, ResultFilter
from portal.search import query_terms, ranked_matches
from portal.services import postings as services


def _user(request: Request) -> Any:
    return request.user if request.user.is_authenticated else None


class PostingApi(GenericAPIView):
    """What every register view shares: its kind, its visible queryset, its output."""

    kind: str = ""

    def output(self, posting: Any, *, many: bool = False) -> Any:
        serializer = OUTPUT_SERIALIZERS[self.kind]
        return serializer(posting, many=many, context={"user": _user(self.request)}).data

    def get_queryset(self) -> Any:
        # Each output row lists its attachments: fetch them with the page, not per row.
        return selectors.posting_list_visible_to(
            kind=self.kind, user=_user(self.request), with_attachments=True
        )


class PostingListApi(PostingApi):
    """GET: the register, filtered and searched (q); POST: create (draft, or submit=true)."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    filter_backends = [DjangoFilterBackend]

    def get(self, request: Request) -> Response:
        qs = self.filter_queryset(self.get_queryset())
        # A search pages like the register list: the newest title/keyword hits ranked, then
        # the other matches newest first, in bounded work per page (portal.search).
        terms = query_terms(request.query_params.get("q", ""))
        page = self.paginate_queryset(ranked_matches(qs, terms))
        return self.get_paginated_response(self.output(page, many=True))

    def post(self, request: Request) -> Response:
        serializer = INPUT_SERIALIZERS[self.kind](data=request.data)
        serializer.is_valid(raise_exception=True)
        submit = bool(serializer.validated_data.get("submit"))
        posting = services.posting_create(
            kind=self.kind,
            by=request.user,  # type: ignore[arg-type]
            data=service_data(self.kind, serializer.validated_data),
            submit=submit,
        )
        return Response(self.output(posting), status=status.HTTP_201_CREATED)


class PostingDetailApi(PostingApi):
    """GET one posting (outsiders 404); PATCH changes only the fields sent."""

    permission_classes = [IsAuthenticatedOrReadOnly]

    def get(self, request: Request, pk: int) -> Response:
        posting = access.get_posting_for_user(self.kind, _user(request), pk)
        return Response(self.output(posting))

    def patch(self, request: Request, pk: int) -> Response:
        posting = access.get_posting_for_user(self.kind, request.user, pk, write=True)  # type: ignore[arg-type]
        serializer = INPUT_SERIALIZERS[self.kind](data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        posting = services.posting_update(
            posting=posting,
            by=request.user,  # type: ignore[arg-type]
            data=service_data(self.kind, serializer.validated_data),
        )
        posting = access.get_posting_for_user(self.kind, request.user, pk)  # type: ignore[arg-type]
        return Response(self.output(posting))


class PostingActionApi(PostingApi):
    """POST a lifecycle action on one posting."""

    permission_classes = [IsAuthenticated]
    review = False

    def act(self, request: Request, posting: Any) -> Any:
        raise NotImplementedError

    def post(self, request: Request, pk: int) -> Response:
        user = request.user
        if self.review:
            posting = access.get_posting_for_review(self.kind, user, pk)  # type: ignore[arg-type]
        else:
            posting = access.get_posting_for_user(self.kind, user, pk, write=True)  # type: ignore[arg-type]
        self.act(request, posting)
        posting = access.get_posting_for_user(self.kind, user, pk)  # type: ignore[arg-type]
        return Response(self.output(posting))


class PostingSubmitApi(PostingActionApi):
    def act(self, request: Request, posting: Any) -> Any:
        return services.posting_submit(posting=posting, by=request.user)  # type: ignore[arg-type]


class PostingApproveApi(PostingActionApi):
    review = True

    def act(self, request: Request, posting: Any) -> Any:
        return services.posting_approve(posting=posting, by=request.user)  # type: ignore[arg-type]


class PostingRejectApi(PostingActionApi):
    review = True

    def act(self, request: Request, posting: Any) -> Any:
        serializer = RejectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return services.posting_reject(
            posting=posting,
            by=request.user,  # type: ignore[arg-type]
            reason=serializer.validated_data["reason"],
        )


class PostingCloseApi(PostingActionApi):
    def act(self, request: Request, posting: Any) -> Any:
        return services.posting_close(posting=posting, by=request.user)  # type: ignore[arg-type]


class PostingConfirmApi(PostingActionApi):
    def act(self, request: Request, posting: Any) -> Any:
        return services.posting_confirm(posting=posting, by=request.user)  # type: ignore[arg-type]


_ERRORS = {
    400: OpenApiResponse(description="字段校验失败"),
    403: OpenApiResponse(description="没有权限"),
    404: OpenApiResponse(description="不存在或不可见"),
}


def _list_schema(tag: str, output: Any, input_: Any) -> Any:
    return extend_schema_view(
        get=extend_schema(tags=[tag], responses=output(many=True)),
        post=extend_schema(tags=[tag], request=input_, responses={201: output, **_ERRORS}),
    )


def _detail_schema(tag: str, output: Any, input_: Any) -> Any:
    return extend_schema_view(
        get=extend_schema(tags=[tag], responses={200: output, 404: _ERRORS[404]}),
        patch=extend_schema(tags=[tag], request=input_, responses={200: output, **_ERRORS}),
    )


def _action_schema(tag: str, output: Any, request: Any = None) -> Any:
    return extend_schema_view(
        post=extend_schema(tags=[tag], request=request, responses={200: output, **_ERRORS})
    )


# --- Needs ------------------------------------------------------------------------------
@_list_schema("needs", NeedOutputSerializer, NeedInputSerializer)
class NeedListApi(PostingListApi):
    kind = "need"
    filterset_class = NeedFilter


@_detail_schema("needs", NeedOutputSerializer, NeedInputSerializer)
class NeedDetailApi(PostingDetailApi):
    kind = "need"


@_action_schema("needs", NeedOutputSerializer)
class NeedSubmitApi(PostingSubmitApi):
    kind = "need"


@_action_schema("needs", NeedOutputSerializer)
class NeedApproveApi(PostingApproveApi):
    kind = "need"


@_action_schema("needs", NeedOutputSerializer, RejectInputSerializer)
class NeedRejectApi(PostingRejectApi):
    kind = "need"


@_action_schema("needs", NeedOutputSerializer)
class NeedCloseApi(PostingCloseApi):
    kind = "need"


@_action_schema("needs", NeedOutputSerializer)
class NeedConfirmApi(PostingConfirmApi):
    kind = "need"


# --- Results ----------------------------------------------------------------------------
@_list_schema("results", ResultOutputSerializer, ResultInputSerializer)
class ResultListApi(PostingListApi):
    kind = "result"
    filterset_class = ResultFilter


@_detail_schema("results", ResultOutputSerializer, ResultInputSerializer)
class ResultDetailApi(PostingDetailApi):
    kind = "result"


@_action_schema("results", ResultOutputSerializer)
class ResultSubmitApi(PostingSubmitApi):
    kind = "result"


@_action_schema("results", ResultOutputSerializer)
class ResultApproveApi(PostingApproveApi):
    kind = "result"


@_action_schema("results", ResultOutputSerializer, RejectInputSerializer)
class ResultRejectApi(PostingRejectApi):
    kind = "result"


@_action_schema("results", ResultOutputSerializer)
class ResultCloseApi(PostingCloseApi):
    kind = "result"


@_action_schema("results", ResultOutputSerializer)
class ResultConfirmApi(PostingConfirmApi):
    kind = "result"


# --- Experts ----------------------------------------------------------------------------
@_list_schema("experts", ExpertOutputSerializer, ExpertInputSerializer)
class ExpertListApi(PostingListApi):
    kind = "expert"
    filterset_class = ExpertFilter


@_detail_schema("experts", ExpertOutputSerializer, ExpertInputSerializer)
class ExpertDetailApi(PostingDetailApi):
    kind = "expert"


@_action_schema("experts", ExpertOutputSerializer)
class ExpertSubmitApi(PostingSubmitApi):
    kind = "expert"


@_action_schema("experts", ExpertOutputSerializer)
class ExpertApproveApi(PostingApproveApi):
    kind = "expert"


@_action_schema("experts", ExpertOutputSerializer, RejectInputSerializer)
class ExpertRejectApi(PostingRejectApi):
    kind = "expert"


@_action_schema("experts", ExpertOutputSerializer)
class ExpertCloseApi(PostingCloseApi):
    kind = "expert"


@_action_schema("experts", ExpertOutputSerializer)
class ExpertConfirmApi(PostingConfirmApi):
    kind = "expert"
