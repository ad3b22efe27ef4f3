from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def development_secret_key(app_configs, **kwargs):
    """`check --deploy` must fail, not warn, while the development key is in use."""
    if settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is the development key.",
                hint="Set the SECRET_KEY environment variable to a long random value.",
                id="helpdesk.E001",
            )
        ]
    return []
