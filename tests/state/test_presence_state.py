"""What the ticket page and the queue say of presence: names joined as each language does, plural-aware, the
reader left out, and the queue's badge fields."""

from __future__ import annotations

from autocrm.core import i18n
from autocrm.services.presence import PresencePerson
from autocrm.state.presence import badge_fields, people_rows, presence_sentence


def _people(*entries: tuple[int, str, str]) -> list[PresencePerson]:
    return [PresencePerson(user_id=uid, name=name, activity=activity) for uid, name, activity in entries]


def test_one_or_several_people_read_naturally_in_each_language():
    on_ticket = _people(
        (1, "Ana Lopez", "replying"), (2, "Ben Cho", "viewing"), (3, "Chloé Martin", "viewing"), (9, "Me", "viewing")
    )
    rows = people_rows(on_ticket, 9)
    assert [(r["name"], r["initials"], r["replying"]) for r in rows] == [
        ("Ana Lopez", "AL", True),
        ("Ben Cho", "BC", False),
        ("Chloé Martin", "CM", False),
    ]
    with i18n.using_locale("en"):
        assert presence_sentence(rows) == "Ana Lopez is replying… · Ben Cho and Chloé Martin are viewing"
        assert presence_sentence(rows[1:2]) == "Ben Cho is viewing"
    with i18n.using_locale("fr"):
        assert presence_sentence(rows) == (
            "Ana Lopez est en train de répondre… · Ben Cho et Chloé Martin consultent le ticket"
        )
    with i18n.using_locale("de"):
        assert presence_sentence(rows[1:]) == "Ben Cho und Chloé Martin sehen sich das Ticket an"
    with i18n.using_locale("es"):
        assert presence_sentence(rows[:1]) == "Ana Lopez está respondiendo…"


def test_the_queue_badge_counts_the_others_only():
    with i18n.using_locale("en"):
        assert badge_fields(_people((9, "Me", "replying")), 9) == {
            "presence_count": 0,
            "presence_replying": False,
            "presence_text": "",
        }
        assert badge_fields(_people((1, "Ana Lopez", "viewing"), (9, "Me", "replying")), 9) == {
            "presence_count": 1,
            "presence_replying": False,
            "presence_text": "Ana Lopez is viewing",
        }
