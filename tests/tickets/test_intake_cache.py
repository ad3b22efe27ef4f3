"""The districts and categories a complaint is checked against are cached per process; an edit
in the admin must reach the next complaint at once, not after the cache's minute."""

import pytest

from helpdesk.exceptions import InvalidInput
from tickets import intake
from tickets.models import Category


@pytest.mark.django_db(transaction=True)
def test_a_category_switched_off_is_refused_by_the_next_complaint():
    category = Category.objects.filter(is_active=True).first()
    assert intake.category_from(category.code) == category  # now in the cache
    category.is_active = False
    category.save(update_fields=["is_active"])
    with pytest.raises(InvalidInput) as refused:
        intake.category_from(category.code)
    assert refused.value.code == "invalid_category"


@pytest.mark.django_db(transaction=True)
def test_a_new_category_is_offered_at_once():
    intake.categories()
    Category.objects.create(code="cowin-certificate", name_en="Certificate", name_hi="प्रमाणपत्र")
    assert intake.category_from("cowin-certificate").code == "cowin-certificate"


@pytest.mark.django_db
def test_an_edit_rolled_back_keeps_the_cache():
    intake.categories()
    before = dict(intake._CACHE)
    Category.objects.create(code="never-committed", name_en="x", name_hi="x")
    # Inside the test's transaction nothing has committed: the cache is untouched.
    assert intake._CACHE == before
