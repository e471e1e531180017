"""A person's own language and time zone: validated, audited, emitted; cleared with ""."""

from __future__ import annotations

import pytest

from autocrm.core.db import read_session, write_session
from autocrm.core.i18n import using_locale
from autocrm.models import AuditEntry, Role
from autocrm.models.events import EventRecord
from autocrm.services import users
from autocrm.services.actor import Actor
from autocrm.services.errors import NotFound, ValidationFailed
from tests.factories import make_user


def test_a_person_sets_and_clears_their_language_and_time_zone(db_url):
    person = make_user(Role.agent)
    actor = Actor.for_user(person)
    with write_session() as session:
        saved = users.set_own_preferences(session, actor=actor, locale="de-AT", time_zone="Europe/Berlin")
    assert (saved.locale, saved.time_zone) == ("de", "Europe/Berlin")
    with read_session() as session:
        audit = session.query(AuditEntry).filter_by(action="user.preferences").one()
        assert audit.changes == {"locale": [None, "de"], "time_zone": [None, "Europe/Berlin"]}
        assert session.query(EventRecord).filter_by(type="user.updated").count() == 1

    with write_session() as session:
        again = users.set_own_preferences(session, actor=actor, locale="de")  # no change: nothing recorded
        cleared = users.set_own_preferences(session, actor=actor, locale="", time_zone="")
    assert (again.locale, again.time_zone) == ("de", "Europe/Berlin")
    assert (cleared.locale, cleared.time_zone) == (None, None)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"locale": "pt"}, "locale"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "../etc"}, "time_zone"),
    ],
)
def test_unknown_languages_and_zones_are_refused_in_the_readers_language(db_url, values, field):
    actor = Actor.for_user(make_user(Role.customer))
    with using_locale("es"), write_session() as session, pytest.raises(ValidationFailed) as refused:
        users.set_own_preferences(session, actor=actor, **values)
    assert set(refused.value.details) == {field}
    assert refused.value.message.startswith(("Elige uno de los idiomas", "Mars/Olympus no es", "../etc no es"))


def test_only_a_person_has_preferences(db_url):
    with write_session() as session, pytest.raises(NotFound):
        users.set_own_preferences(session, actor=Actor.system("test"), locale="fr")
