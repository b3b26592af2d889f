from django.urls import path

from terreau.accounts import views

app_name = "accounts"
urlpatterns = [
    path("profil/", views.profile, name="profile"),
    path("mfa-requise/", views.mfa_required, name="mfa_required"),
]
