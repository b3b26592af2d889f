from django.urls import path

from terreau.accounts import views

app_name = "accounts"
urlpatterns = [
    path("profil/", views.profile, name="profile"),
    path("mes-donnees/", views.my_data, name="my_data"),
    path("mes-donnees/telecharger/", views.my_data_download, name="my_data_download"),
    path("supprimer/", views.delete_account, name="delete"),
    path("mfa-requise/", views.mfa_required, name="mfa_required"),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/<int:pk>/verifier/", views.organisation_verify, name="organisation_verify"),
]
