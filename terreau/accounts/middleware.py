from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

# Staff-only pages: the back-office, the admin and organisation verification.
PROTECTED_PREFIXES = ("/espace/", "/admin/", "/compte/organisations/")


class StaffMFAMiddleware:
    """Staff roles must have TOTP enabled before they reach the back-office or the admin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            getattr(settings, "TERREAU_STAFF_MFA_REQUIRED", True)
            and request.path.startswith(PROTECTED_PREFIXES)
            and request.user.is_authenticated
        ):
            from allauth.mfa.models import Authenticator

            from terreau.processes.permissions import has_staff_role

            if (
                has_staff_role(request.user)
                and not Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
            ):
                return redirect(reverse("accounts:mfa_required"))
        return self.get_response(request)
