"""Operations on the need register; the shared lifecycle lives in portal.services.postings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from portal.models import Need
from portal.services import postings

if TYPE_CHECKING:
    from accounts.models import Organization, User


def need_create(
    *,
    by: User,
    data: Mapping[str, Any],
    organization: Organization | None = None,
    submit: bool = False,
) -> Need:
    # The kind string decides the model posting_create builds.
    return cast(
        Need,
        postings.posting_create(
            kind="need", by=by, data=data, organization=organization, submit=submit
        ),
    )


def need_update(*, need: Need, by: User, data: Mapping[str, Any]) -> Need:
    return postings.posting_update(posting=need, by=by, data=data)


def need_submit(*, need: Need, by: User) -> Need:
    return postings.posting_submit(posting=need, by=by)


def need_approve(*, need: Need, by: User) -> Need:
    return postings.posting_approve(posting=need, by=by)


def need_reject(*, need: Need, by: User, reason: str) -> Need:
    return postings.posting_reject(posting=need, by=by, reason=reason)


def need_close(*, need: Need, by: User) -> Need:
    return postings.posting_close(posting=need, by=by)


def need_confirm(*, need: Need, by: User) -> Need:
    return postings.posting_confirm(posting=need, by=by)
