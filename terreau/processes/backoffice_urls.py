from django.urls import path

from terreau.processes import backoffice as views

app_name = "backoffice"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("institutions/nouvelle/", views.institution_create, name="institution_create"),
    path("institutions/<slug:slug>/", views.institution, name="institution"),
    path("institutions/<slug:slug>/membres/", views.member_add, name="member_add"),
    path("membres/<int:pk>/retirer/", views.member_remove, name="member_remove"),
    path("institutions/<slug:slug>/demarches/nouvelle/", views.process_create, name="process_create"),
    path("demarches/<slug:slug>/", views.process, name="process"),
    path("demarches/<slug:slug>/modifier/", views.process_edit, name="process_edit"),
    path("demarches/<slug:slug>/engagements/", views.contract, name="contract"),
    path("demarches/<slug:slug>/etapes/", views.phases, name="phases"),
    path("demarches/<slug:slug>/etapes/<int:pk>/", views.phases, name="phase_edit"),
    path("demarches/<slug:slug>/etapes/<int:pk>/supprimer/", views.phase_delete, name="phase_delete"),
    path("demarches/<slug:slug>/modules/", views.modules, name="modules"),
    path("demarches/<slug:slug>/modules/<int:pk>/reglages/", views.module_settings, name="module_settings"),
    path("demarches/<slug:slug>/modules/<int:pk>/retirer/", views.module_remove, name="module_remove"),
    path("demarches/<slug:slug>/publier/", views.process_publish, name="publish"),
    path("demarches/<slug:slug>/archiver/", views.process_archive, name="archive"),
    path("demarches/<slug:slug>/supprimer/", views.process_delete, name="delete"),
    path("demarches/<slug:slug>/reponse/", views.answer, name="answer"),
]
