from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from accounts.models import District, Vendor


def district(code: str = "raipur") -> District:
    return District.objects.get(code=code)


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor
        django_get_or_create = ("code",)

    code = "state-it"
    name = "State IT agency"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = "agent"
    first_name = factory.Faker("first_name")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.lazy_attribute
    def district(self):
        return district("raipur") if self.role == "district_official" else None

    @factory.lazy_attribute
    def vendor(self):
        return VendorFactory() if self.role in ("vendor_engineer", "vendor_officer") else None

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
