import pytest

from bookings import cowin


@pytest.fixture(autouse=True)
def _fresh_cowin_cache():
    cowin.clear_local_cache()
    yield
    cowin.clear_local_cache()


@pytest.fixture
def district_official(make_user):
    return make_user("district_official")
