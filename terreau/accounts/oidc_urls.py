"""FranceConnect / ProConnect URLs, included under ``compte/oidc/`` (namespace ``oidc``)."""

from django.urls import path

from terreau.accounts import oidc

app_name = "oidc"
urlpatterns = [
    path("deconnexion/", oidc.ProviderLogoutView.as_view(), name="logout"),
    path("<slug:provider>/connexion/", oidc.ProviderLoginView.as_view(), name="login"),
    path("<slug:provider>/retour/", oidc.ProviderCallbackView.as_view(), name="callback"),
    path("<slug:provider>/deconnexion/retour/", oidc.logout_return, name="logout_return"),
]
