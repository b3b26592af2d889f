from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import module_has_submodule

from terreau.core import demo


class Command(BaseCommand):
    help = "Load the French demo data (institutions, processes, users of every kind)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Do nothing if the demo is already loaded.")
        parser.add_argument("--force", action="store_true", help="Allow loading in production.")

    def handle(self, *args, once=False, force=False, **options):
        if settings.PRODUCTION and not force:
            raise CommandError("Refusing to load demo accounts in production (use --force if you mean it).")
        if demo.is_loaded():
            if once:
                return
            raise CommandError("The demo data is already loaded.")
        demo.load_demo()
        # Shared services add their demo content (comments, a report, a moderation decision).
        call_command("demo_comments", verbosity=0)
        # Then every app with a `demo_data.py` adds its own, in INSTALLED_APPS order.
        for app_config in apps.get_app_configs():
            if module_has_submodule(app_config.module, "demo_data"):
                import_module(f"{app_config.name}.demo_data").load()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
