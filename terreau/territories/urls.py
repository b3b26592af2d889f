from django.urls import path

from terreau.territories import views

app_name = "territories"
urlpatterns = [
    path("communes/", views.commune_list, name="communes"),
    path("communes/choix/", views.commune_options, name="commune_options"),
]
