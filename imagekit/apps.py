"""The Django application configuration of imagekit."""

from django.apps import AppConfig


class ImageKitConfig(AppConfig):
    """Registers imagekit's system checks; nothing else happens at start-up.

    Signal receivers are connected when :mod:`imagekit` is first imported
    (:func:`imagekit.receivers.connect_receivers`), so the fields keep working
    in projects that do not list ``"imagekit"`` in ``INSTALLED_APPS``.
    """

    name = "imagekit"
    label = "imagekit"
    verbose_name = "ImageKit"

    def ready(self) -> None:
        from . import checks

        checks.register_checks()
