from django.urls import path

from terreau.pages import views

app_name = "pages"
urlpatterns = [path("<int:pk>/", views.edit, name="edit")]
