"""FranceConnect and ProConnect login (OpenID Connect). Placeholder until implemented."""

from django.contrib.auth.backends import BaseBackend


class FranceConnectBackend(BaseBackend):
    def authenticate(self, request, **kwargs):
        return None


class ProConnectBackend(FranceConnectBackend):
    pass
