"""API tokens of service accounts from the command line (the admin has the same, under "API tokens").

    manage.py api_token create --user svc-portal --name "portal sync" [--days 90]
    manage.py api_token list [--user svc-portal]
    manage.py api_token revoke <token_key>

`create` prints the token once: it is stored only as a digest and cannot be shown again.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.models import ApiToken
from accounts.tokens import api_token_create, api_token_revoke
from helpdesk.exceptions import InvalidInput


class Command(BaseCommand):
    help = "Create, list or revoke API tokens of service accounts."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token (printed once)")
        create.add_argument("--user", required=True, help="username of the service account")
        create.add_argument("--name", required=True, help="what the token is for")
        create.add_argument("--days", type=int, default=None, help="days until it expires (0: never)")
        listing = sub.add_parser("list", help="tokens, without their secret part")
        listing.add_argument("--user", default=None)
        revoke = sub.add_parser("revoke", help="revoke a token by its first characters (token_key)")
        revoke.add_argument("token_key")

    def handle(self, *args, action: str, **options):
        if action == "create":
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"no user {options['user']!r}") from exc
            try:
                token, raw = api_token_create(user=user, name=options["name"], days=options["days"])
            except InvalidInput as exc:
                raise CommandError(exc.detail) from exc
            self.stderr.write(f"token {token.token_key}… for {user.username} ({token.role}), expires "
                              f"{token.expiry.isoformat() if token.expiry else 'never'}; it is not shown again:")
            self.stdout.write(raw)
        elif action == "list":
            tokens = ApiToken.objects.select_related("user")
            if options["user"]:
                tokens = tokens.filter(user__username=options["user"])
            for t in tokens:
                self.stdout.write("\t".join([t.token_key, t.user.username, t.role, t.name, t.created.isoformat(),
                                             t.expiry.isoformat() if t.expiry else "never",
                                             t.last_used_at.isoformat() if t.last_used_at else "never used"]))
        else:
            tokens = list(ApiToken.objects.select_related("user").filter(token_key=options["token_key"]))
            if not tokens:
                raise CommandError(f"no token {options['token_key']!r}")
            for token in tokens:
                api_token_revoke(token=token)
            self.stdout.write(f"revoked {len(tokens)} token(s)")
