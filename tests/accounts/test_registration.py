from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Membership, Organization, User
from portal.demo import demo_credit_code

pytestmark = pytest.mark.django_db

VALID = {
    "username": "wanggong",
    "display_name": "王工",
    "phone": "13912345678",
    "email": "wang@example.cn",
    "password1": "Qilu-2026-secure",
    "password2": "Qilu-2026-secure",
    "role": "enterprise",
    "org_name": "济南鲁新精密机械有限公司",
    "org_type": "enterprise",
    "credit_code": demo_credit_code(4242),
    "region_code": "370100",
    "agree": "on",
}


def post(client: Client, **changes: str) -> object:
    data = {**VALID, **changes}
    return client.post("/accounts/register/", data)


def test_a_new_enterprise_registers_and_its_organisation_is_pending() -> None:
    client = Client()
    response = post(client)

    assert response.status_code == 302
    user = User.objects.get(username="wanggong")
    assert user.role == Membership.Role.ENTERPRISE
    assert user.organization is not None
    assert user.organization.is_verified is False
    page = client.get("/accounts/profile/")
    assert "待认证" in page.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("credit_code", "91370100MA3C00000X", "统一社会信用代码无效"),
        ("phone", "12345", "手机号码"),
        ("email", "not-an-email", "合法的邮件地址"),
        ("region_code", "999999", "选择一个有效的选项"),
        ("password2", "different-Pass-1", "两次输入的密码不一致"),
        ("agree", "", "请阅读并同意"),
    ],
)
def test_bad_input_gets_a_chinese_field_error_and_saves_nothing(
    field: str, value: str, message: str
) -> None:
    response = post(Client(), **{field: value})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="wanggong").exists()
    assert not Organization.objects.filter(name=VALID["org_name"]).exists()


def test_a_duplicate_organisation_is_refused(org_a: Organization) -> None:
    response = post(Client(), org_name=org_a.name)

    assert response.status_code == 200
    assert "该机构已在平台注册" in response.content.decode()
    assert not User.objects.filter(username="wanggong").exists()


def test_a_duplicate_credit_code_is_refused(org_a: Organization) -> None:
    response = post(Client(), credit_code=org_a.credit_code)

    assert "该统一社会信用代码已被其他机构使用" in response.content.decode()
    assert not User.objects.filter(username="wanggong").exists()


def test_staff_cannot_be_self_registered() -> None:
    response = post(Client(), role="staff")

    assert response.status_code == 200
    assert not User.objects.filter(username="wanggong").exists()


def test_a_researcher_must_belong_to_a_university_or_institute() -> None:
    response = post(Client(), role="researcher", org_type="enterprise")

    assert "所选角色与机构类型不匹配" in response.content.decode()
    assert not User.objects.filter(username="wanggong").exists()


def test_staff_verify_a_pending_organisation(staff_client: Client) -> None:
    post(Client())
    org = Organization.objects.get(name=VALID["org_name"])

    page = staff_client.get("/accounts/organizations/review/")
    assert org.name in page.content.decode()
    staff_client.post(f"/accounts/organizations/{org.pk}/verify/")

    org.refresh_from_db()
    assert org.is_verified
    assert org.verified_by is not None


def test_an_enterprise_user_cannot_verify_organisations(alice_client: Client) -> None:
    post(Client())
    org = Organization.objects.get(name=VALID["org_name"])

    assert alice_client.get("/accounts/organizations/review/").status_code == 403
    assert alice_client.post(f"/accounts/organizations/{org.pk}/verify/").status_code == 403
    org.refresh_from_db()
    assert not org.is_verified


def test_staff_of_another_city_do_not_see_the_pending_organisation(db: None) -> None:
    from tests.accounts.factories import MembershipFactory, OrganizationFactory, UserFactory

    other_bureau = OrganizationFactory(
        name="青岛市科学技术局", org_type="bureau", region_code="370200"
    )
    other_staff = UserFactory(username="qingdao_staff")
    MembershipFactory(user=other_staff, organization=other_bureau, role=Membership.Role.STAFF)
    post(Client())
    org = Organization.objects.get(name=VALID["org_name"])
    client = Client()
    client.force_login(other_staff)

    assert org.name not in client.get("/accounts/organizations/review/").content.decode()
    assert client.post(f"/accounts/organizations/{org.pk}/verify/").status_code == 404


def test_login_and_logout(alice: User) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "alice", "password": "pass-word-123"})
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/accounts/profile/").status_code == 302


def test_a_wrong_password_gets_a_chinese_message(alice: User) -> None:
    response = Client().post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert "用户名或密码错误" in response.content.decode()


def test_profile_edits_are_validated(alice_client: Client, alice: User) -> None:
    response = alice_client.post(
        "/accounts/profile/", {"display_name": "爱丽丝", "email": "a@example.cn", "phone": "123"}
    )
    assert "手机号码" in response.content.decode()
    alice.refresh_from_db()
    assert alice.display_name != "爱丽丝"
