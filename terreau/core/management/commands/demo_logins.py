from django.conf import settings
from django.core.management.base import BaseCommand

from terreau.core import demo


class Command(BaseCommand):
    help = "Print the demo accounts."

    def handle(self, *args, **options):
        self.stdout.write(f"  Demo accounts (password: {settings.TERREAU_DEMO_PASSWORD}):")
        for email, label in demo.demo_logins():
            self.stdout.write(f"    {email:<34} {label}")
        code = getattr(settings, "MFA_TOTP_INSECURE_BYPASS_CODE", None)
        if code:
            self.stdout.write(
                f"  Staff accounts have two-factor authentication: in this local demo, the code {code} is accepted."
            )
