from django.urls import path

from terreau.discussions import views

app_name = "discussions"
urlpatterns = [
    path("commentaire/<int:pk>/", views.comment, name="comment"),
    path("commentaire/<int:pk>/repondre/", views.reply, name="reply"),
    path("commentaire/<int:pk>/modifier/", views.edit, name="edit"),
    path("<slug:app_label>/<slug:model>/<int:object_id>/", views.thread, name="thread"),
    path("<slug:app_label>/<slug:model>/<int:object_id>/commenter/", views.post, name="post"),
]
