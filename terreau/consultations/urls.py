from django.urls import path

from terreau.consultations import views

app_name = "consultations"
urlpatterns = [
    path("consultations/<int:pk>/", views.text, name="text"),
    path("consultations/<int:pk>/contributions/", views.contributions, name="contributions"),
    path("consultations/<int:pk>/reponses/", views.answers, name="answers"),
    path("consultations/<int:pk>/versions/<int:number>/", views.version, name="version"),
    path("consultations/<int:pk>/sections/<int:section_id>/", views.section, name="section"),
    path("consultations/<int:pk>/sections/<int:section_id>/vote/", views.vote, name="vote_section"),
    path("consultations/<int:pk>/sections/<int:section_id>/amender/", views.amend, name="amend"),
    path("consultations/<int:pk>/sections/<int:section_id>/proposer/", views.propose, name="propose"),
    path("consultations/<int:pk>/sections/<int:section_id>/argument/", views.argue, name="argue"),
    path("consultations/<int:pk>/c/<int:contribution_id>/", views.contribution, name="contribution"),
    path("consultations/<int:pk>/c/<int:contribution_id>/vote/", views.vote, name="vote_contribution"),
    path("consultations/<int:pk>/c/<int:contribution_id>/argument/", views.argue_on, name="argue_on"),
    path("consultations/<int:pk>/c/<int:contribution_id>/source/", views.add_source, name="add_source"),
    path("consultations/<int:pk>/c/<int:contribution_id>/reponse/", views.answer, name="answer"),
    path("consultations/<int:pk>/c/<int:contribution_id>/fusion/", views.merge, name="merge"),
    path("espace/consultations/<int:pk>/", views.edit, name="edit"),
    path("espace/consultations/<int:pk>/nouvelle-version/", views.new_version, name="new_version"),
    path("espace/consultations/<int:pk>/hors-ligne/", views.offline, name="offline"),
]
