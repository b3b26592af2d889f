"""French stop words shipped with the engine (accent-folded, lowercase).

A standard French function-word list (articles, pronouns, prepositions, conjunctions, auxiliaries
and their common forms) plus a few words that carry no topic in citizen contributions
("faut", "chose", "merci"...). Words that carry a position ("non", "contre", "pour", "sans")
are kept out of the list on purpose only when they matter for one-liners; topic extraction
drops them.
"""

from __future__ import annotations

_WORDS = """
a ai aie aient aies ait alors as au aucun aucune aupres auquel aura aurai auraient aurais aurait auras aurez auriez
aurions aurons auront aussi autre autres aux auxquelles auxquels avaient avais avait avant avec avez aviez avions
avoir avons ayant ayez ayons bon c ca car ce ceci cela celle celles celui cependant ces cet cette ceux chacun chacune
chaque chez ci comme comment d dans de des desquelles desquels deux devrait devraient doit doivent donc dont du duquel
elle elles en encore entre es est et etaient etais etait etant etc ete etes etiez etions etre eu eue eues eurent
eus eusse eussent eusses eussiez eussions eut eux faire fais fait faut fois font furent fus fusse fussent fusses
fussiez fussions fut il ils j je jusqu l la le les leur leurs lors lorsqu lui m ma mais me meme memes mes moi mon
n ne ni nos notre nous on ont ou par parce pas peu peut peuvent plus plutot pour pourquoi pourrait qu quand que quel
quelle quelles quels qui quoi s sa sans se sera serai seraient serais serait seras serez seriez serions serons seront
ses si sien soi soient sois soit sommes son sont sous soyez soyons suis sur t ta te tes toi ton tous tout toute toutes
tres tu un une unes uns vos votre vous vu y
afin ainsi apres beaucoup bien certains certaines cette chose choses deja depuis dessus dessous devant donc egalement
enfin ensuite exemple faudrait fin hui aujourd aujourdhui ici jamais la-bas lequel laquelle lesquels lesquelles
maintenant meme moins non oui merci parfois partout peut-etre pendant personne plusieurs pourtant puis puisqu quelque
quelques quoiqu rien selon seul seule seulement souvent surtout tant tel telle tellement toujours trop vers voici
voila vraiment cas ceux-ci celles-ci dire dit donner fais faites avoir etre aller fait mettre sont ya
bonjour bonsoir madame monsieur mesdames messieurs cordialement salutations sincerement remerciements
"""

STOP_WORDS: frozenset[str] = frozenset(_WORDS.split())
