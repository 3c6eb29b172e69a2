"""Create (or reset) the demo's superuser and print how to log in."""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEFAULT_USERNAME = "admin"
# A local demo served on 127.0.0.1 only; the password is printed anyway.
DEFAULT_PASSWORD = "imagekit-demo"


class Command(BaseCommand):
    help = (
        "Create the superuser of the demo, or reset its password, and print the login. "
        "The password comes from --password, else IMAGEKIT_DEMO_ADMIN_PASSWORD, "
        f"else {DEFAULT_PASSWORD!r}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default=DEFAULT_USERNAME)
        parser.add_argument("--password", default=None)

    def handle(self, *args, username, password, **options):
        password = password or os.environ.get("IMAGEKIT_DEMO_ADMIN_PASSWORD") or DEFAULT_PASSWORD
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(**{user_model.USERNAME_FIELD: username})
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        action = "Created" if created else "Reset"
        self.stdout.write(f"{action} the superuser {username!r}.")
        self.stdout.write(f"Admin login: username {username}, password {password}")
