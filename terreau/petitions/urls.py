from django.urls import path

from terreau.petitions import feeds, views

app_name = "petitions"
urlpatterns = [
    path("", views.petition_list, name="list"),
    path("nouvelle/", views.petition_new, name="new"),
    path("similaires/", views.similar, name="similar"),
    path("moderation/", views.moderation_queue, name="queue"),
    path("flux.atom", feeds.LatestPetitionsFeed(), name="feed"),
    path("confirmer/<str:token>/", views.confirm, name="confirm"),
    path("retirer/<str:token>/", views.withdraw_token, name="withdraw_token"),
    path("<slug:slug>/", views.petition_detail, name="detail"),
    path("<slug:slug>/compte.json", views.petition_count, name="count"),
    path("<slug:slug>/carte.svg", views.petition_map, name="map"),
    path("<slug:slug>/signer/", views.sign, name="sign"),
    path("<slug:slug>/signer/merci/", views.thanks, name="thanks"),
    path("<slug:slug>/signer/confirmee/", views.confirmed, name="confirmed"),
    path("<slug:slug>/retirer/", views.withdraw, name="withdraw"),
    path("<slug:slug>/nouvelles/", views.post_update, name="update"),
    path("<slug:slug>/signatures.csv", views.export_signatures, name="export"),
    path("<slug:slug>/gestion/", views.manage, name="manage"),
]
