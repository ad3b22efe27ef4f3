from tests.tickets.conftest import make_ticket  # noqa: F401 - shared fixture
