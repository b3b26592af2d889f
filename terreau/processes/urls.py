from django.urls import path

from terreau.processes import views

app_name = "processes"
urlpatterns = [
    path("demarches/", views.process_list, name="list"),
    path("demarches/<slug:slug>/", views.process_detail, name="detail"),
    path("reponses/", views.answers, name="answers"),
    path("institutions/", views.institution_list, name="institutions"),
    path("institutions/<slug:slug>/", views.institution_detail, name="institution"),
]
