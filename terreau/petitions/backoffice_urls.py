from django.urls import path

from terreau.petitions import backoffice as views

app_name = "petitions_backoffice"
urlpatterns = [
    path("institutions/<slug:slug>/petitions/types/", views.type_list, name="types"),
    path("institutions/<slug:slug>/petitions/types/nouveau/", views.type_form, name="type_create"),
    path("institutions/<slug:slug>/petitions/types/<int:pk>/", views.type_form, name="type_edit"),
]
