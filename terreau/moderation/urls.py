from django.urls import path

from terreau.moderation import views

app_name = "moderation"
item = "<slug:slug>/element/<slug:app_label>/<slug:model>/<int:pk>/"
urlpatterns = [
    path("journal/", views.log, name="log"),
    path("signaler/<slug:app_label>/<slug:model>/<int:pk>/", views.report, name="report"),
    path("<slug:slug>/", views.queue, name="queue"),
    path(item, views.item, name="item"),
    path(item + "masquer/", views.hide, name="hide"),
    path(item + "retablir/", views.restore, name="restore"),
    path(item + "rejeter/", views.dismiss, name="dismiss"),
    path(item + "bloquer/", views.block, name="block"),
    path("<slug:slug>/blocages/<int:pk>/lever/", views.unblock, name="unblock"),
]
