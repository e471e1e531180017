"""Words that say nothing about what a question is about, in the desk's four languages.

The keyword half of search leaves them out of a query (any-word matching would otherwise rank a passage for
"how do I" as high as one for "refund"), and snippets do not mark them. The index keeps them: a query of
nothing else ("how to") still searches for them.
"""

from __future__ import annotations

_EN = """a about after again all am an and any are as at be been before being both but by can could did do does
doing down during each few for from further had has have having he her here hers him his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours out over own same she
should so some such than that the their theirs them then there these they this those through to too under until
up very was we were what when where which while who whom why will with would you your yours yourself im ive id
dont doesnt cant cannot wont isnt arent didnt get got want need like please way possible someone something thing
things"""
_ES = """a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante e el ella ellas
ellos en entre era es esa esas ese eso esos esta estas este esto estos fue ha hay la las le les lo los me mi mis
mucho muy nada ni no nos o otra otro para pero poco por porque puedo que quien se sea ser si sin sobre su sus
también te tengo ti tu tus un una uno unos y ya yo cómo qué cuál cuándo dónde quién"""
_DE = """aber als am an auch auf aus bei bin bis bist da damit dann das dass dein deine dem den der des dich die dir
doch dort du durch ein eine einem einen einer eines er es für hab habe haben hat hatte ich ihr im in ist ja jetzt
kann kein keine man mein meine mich mir mit muss nach nicht noch nun nur ob oder ohne sich sie sind so über um und
uns unser vom von vor war warum was weil welche wenn wer werden wie wieso wir wird wo zu zum zur"""
_FR = """à au aux avec ce ces cette comment dans de des du elle en est et être eu il ils je la le les leur lui ma mais
me mes moi mon ne nos notre nous on ou où par pas pour qu que qui quoi sa se ses son sont sur ta te tes toi ton tu un
une vos votre vous y puis peux"""

STOP_WORDS = frozenset(" ".join((_EN, _ES, _DE, _FR)).split())


def content_words(words: list[str]) -> list[str]:
    """The words of a query that are about something; all of them when none is."""
    kept = [w for w in words if w not in STOP_WORDS]
    return kept or words
