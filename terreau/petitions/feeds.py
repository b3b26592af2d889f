from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from terreau.petitions import queries
from terreau.petitions.models import Petition


class LatestPetitionsFeed(Feed):
    feed_type = Atom1Feed
    title = _("Terreau — nouvelles pétitions")
    subtitle = _("Les dernières pétitions publiées sur Terreau.")
    link = "/petitions/"

    def items(self):
        return queries.public_petitions().order_by("-published_at", "-pk")[:30]

    def item_title(self, item: Petition) -> str:
        return item.title

    def item_description(self, item: Petition) -> str:
        return f"{item.institution.name} — {item.demand}"

    def item_pubdate(self, item: Petition):
        return item.published_at
