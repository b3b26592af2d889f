from django.urls import path

from terreau.synthesis import views

app_name = "synthesis"
urlpatterns = [
    path("syntheses/<int:pk>/", views.detail, name="detail"),
    path("syntheses/<int:pk>/contributions/", views.contributions, name="contributions"),
    path("syntheses/<int:pk>/rapport/", views.report, name="report"),
    path("syntheses/<int:pk>/carte.svg", views.map_svg, name="map"),
    path("syntheses/<int:pk>/synthese.json", views.export, {"fmt": "json"}, name="export_json"),
    path("syntheses/<int:pk>/<slug:table>.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("espace/demarches/<slug:slug>/syntheses/", views.manage, name="manage"),
    path("espace/syntheses/lancer/", views.start, name="start"),
    path("espace/syntheses/<int:pk>/", views.edit, name="edit"),
    path("espace/syntheses/<int:pk>/progression/", views.progress, name="progress"),
    path("espace/syntheses/<int:pk>/relancer/", views.rerun, name="rerun"),
    path("espace/syntheses/<int:pk>/deplacer/", views.move, name="move"),
    path("espace/syntheses/<int:pk>/publier/", views.publish, name="publish"),
    path("espace/syntheses/<int:pk>/themes/<int:theme_pk>/renommer/", views.rename, name="rename"),
    path("espace/syntheses/<int:pk>/themes/<int:theme_pk>/resume/", views.summary, name="summary"),
    path("espace/syntheses/<int:pk>/themes/<int:theme_pk>/fusionner/", views.merge, name="merge"),
    path("espace/syntheses/<int:pk>/themes/<int:theme_pk>/scinder/", views.split, name="split"),
]
