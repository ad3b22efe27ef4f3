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


@pytest.fixture
def districts_loaded(transactional_db):
    """transaction=True tests flush the tables (the districts of the data migration too)."""
    from accounts.districts import DISTRICTS
    from accounts.models import District

    for code, cowin_id, name_en, name_hi in DISTRICTS:
        District.objects.get_or_create(code=code, defaults={"cowin_id": cowin_id, "name_en": name_en, "name_hi": name_hi})
