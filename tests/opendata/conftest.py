from tests.api.conftest import public_data  # noqa: F401 - shared fixture
