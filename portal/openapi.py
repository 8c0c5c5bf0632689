"""The schema's error responses: what every API operation can answer besides its success.

drf-spectacular documents each operation's success code only. The errors below come from
places the views do not declare: portal.api.exception_handler (400, 403, 404, 409, 413),
DRF's parsers, pagination and throttling (400, 404, 415, 429), and the request limits in
front of every view (portal.uploads: 400 for a NUL in the query string, 413 from
Content-Length). Each is one of two shared component schemas: ``ErrorDetail``
(``{"detail": "…"}``) or ``ValidationError`` (field → list of messages, plus
``non_field_errors``, or ``detail`` alone).

Which operation gets which code (error_codes(); tests/fuzz/test_error_responses.py checks
every operation of the served schema against these rules):

- 400: a request body, query parameters, or an unsafe method (a service refusing the
  state, e.g. submitting an incomplete posting);
- 403: all: unauthenticated, a token that is not valid, CSRF, or a permission refused. Never
  401: the first authentication class (the session) sends no ``WWW-Authenticate``, so DRF
  answers 403 to a missing or invalid token as well;
- 404: a path parameter (no such object, or not visible to the user), or ``?page=`` (a page
  past the end);
- 409: an unsafe method (services refuse a change the state forbids with code "conflict");
- 413 and 415: a request body (too large; a content type the view does not parse);
- 429: all (DEFAULT_THROTTLE_CLASSES; it carries ``Retry-After``).

405 is not documented: DRF answers it only to methods the path does not offer, which are no
operations of the schema.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_MESSAGES = {"type": "array", "items": {"type": "string"}}

ERROR_DETAIL = {
    "type": "object",
    "description": "错误说明（403、404、413、415、429 等）。",
    "properties": {"detail": {"type": "string", "description": "错误说明"}},
    "required": ["detail"],
}

VALIDATION_ERROR = {
    "type": "object",
    "description": (
        "字段校验失败：字段名 → 错误信息列表；与单个字段无关的错误在 non_field_errors，"
        "请求本身无法解析时只有 detail。嵌套字段的错误按同样结构嵌套。"
    ),
    "properties": {
        "non_field_errors": _MESSAGES,
        "detail": {"type": "string"},
    },
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
            {"type": "object"},
        ]
    },
    "example": {"title": ["该字段不能为空。"], "non_field_errors": ["截止日期不能早于开始日期。"]},
}

DESCRIPTIONS = {
    "400": "请求无效：字段校验失败，或当前状态不允许该操作",
    "403": "未登录、令牌无效或没有权限",
    "404": "不存在、不可见，或页码超出范围",
    "409": "与当前状态冲突（如重复提交、已处理）",
    "413": "请求内容过大",
    "415": "不支持的请求内容类型",
    "429": "请求过于频繁，请稍后再试",
}


def error_codes(method: str, operation: dict[str, Any]) -> set[str]:
    """The error statuses an operation can answer, from its method, parameters and body."""
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    has_query = any(p.get("in") == "query" for p in parameters)
    has_path = any(p.get("in") == "path" for p in parameters)
    paginated = any(p.get("in") == "query" and p.get("name") == "page" for p in parameters)
    unsafe = method.upper() in UNSAFE_METHODS
    codes = {"403", "429"}
    if has_body or has_query or unsafe:
        codes.add("400")
    if has_path or paginated:
        codes.add("404")
    if unsafe:
        codes.add("409")
    if has_body:
        codes |= {"413", "415"}
    return codes


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema with the error responses of error_codes() added to each
    operation. A code a view documents itself keeps its description; an error it documents
    without a body gets the shared one, and one with a body of its own (the spreadsheet
    import's 400 report) allows the shared one as well."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        detail = self._component("ErrorDetail", ERROR_DETAIL)
        invalid = self._component("ValidationError", VALIDATION_ERROR)
        responses = operation["responses"]
        declared = {code for code in responses if code.startswith("4")}
        for code in sorted(error_codes(self.method, operation) | declared):
            schema = invalid if code in ("400", "409") else detail
            response = responses.setdefault(code, {})
            response["description"] = response.get("description") or DESCRIPTIONS.get(code, "")
            content = response.setdefault("content", {})
            if not content:
                content["application/json"] = {"schema": schema}
            for media in content.values():
                own = media.get("schema")
                if own is not None and own != schema:
                    media["schema"] = {"anyOf": [own, schema]}
            if code == "429":
                response["headers"] = {
                    "Retry-After": {
                        "schema": {"type": "integer"},
                        "description": "可重试前需等待的秒数",
                    }
                }
        return operation

    def _component(self, name: str, schema: dict[str, Any]) -> dict[str, str]:
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return component.ref
