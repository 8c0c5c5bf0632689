"""Operations on the expert register; the shared lifecycle lives in portal.services.postings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from portal.models import Expert
from portal.services import postings

if TYPE_CHECKING:
    from accounts.models import Organization, User


def expert_create(
    *,
    by: User,
    data: Mapping[str, Any],
    organization: Organization | None = None,
    submit: bool = False,
) -> Expert:
    # The kind string decides the model posting_create builds.
    return cast(
        Expert,
        postings.posting_create(
            kind="expert", by=by, data=data, organization=organization, submit=submit
        ),
    )


def expert_update(*, expert: Expert, by: User, data: Mapping[str, Any]) -> Expert:
    return postings.posting_update(posting=expert, by=by, data=data)


def expert_submit(*, expert: Expert, by: User) -> Expert:
    return postings.posting_submit(posting=expert, by=by)


def expert_approve(*, expert: Expert, by: User) -> Expert:
    return postings.posting_approve(posting=expert, by=by)


def expert_reject(*, expert: Expert, by: User, reason: str) -> Expert:
    return postings.posting_reject(posting=expert, by=by, reason=reason)


def expert_close(*, expert: Expert, by: User) -> Expert:
    return postings.posting_close(posting=expert, by=by)


def expert_confirm(*, expert: Expert, by: User) -> Expert:
    return postings.posting_confirm(posting=expert, by=by)
