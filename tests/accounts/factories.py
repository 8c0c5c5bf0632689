from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from accounts.models import Membership, Organization, User
from portal.demo import demo_credit_code


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cn")
    password = factory.django.Password("pass-word-123")


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试机构{n}")
    org_type = Organization.Type.ENTERPRISE
    region_code = "370100"
    credit_code = factory.Sequence(lambda n: demo_credit_code(1000 + n))
    is_verified = True


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.ENTERPRISE


def member(username: str, organization: Organization, role: str, **user_fields: object) -> User:
    """A user who belongs to `organization` with `role` (the shape of every persona)."""
    user = UserFactory(username=username, **user_fields)
    MembershipFactory(user=user, organization=organization, role=role)
    return user
