"""The dispatch tests' shared world (defined beside the services' tests, used by the API's)."""

from tests.dispatch.test_services import field, world  # noqa: F401
