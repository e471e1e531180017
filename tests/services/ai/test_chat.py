"""The chatbot: answers from published public articles only (with the source), in the reader's language;
escalates on low confidence, on a request for a person in each language and after two unhelpful answers; an
escalation is a chat ticket carrying the transcript, the customer's own. With an LLM (the local test server) the
model writes the answer from the passages only, streamed, and any failure gives the quoted answer instead.
SQLite and PostgreSQL, with the real MiniLM model and Chroma."""

from __future__ import annotations

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.events import runner
from autocrm.models import AiCall, AuditEntry, Role, Ticket
from autocrm.models.enums import Channel
from autocrm.services import kb, tickets
from autocrm.services.ai import chat, provider
from autocrm.services.ai.chat import AnswerDecided, AnswerDone, AnswerPiece, ChatTurn, Passage
from autocrm.services.errors import NotFound, PermissionDenied, ValidationFailed
from autocrm.services.kb import ArticleCreate

RESET = (
    "<p>Forgot your password? Choose a new password from the sign-in page: follow the link "
    '"Forgot password" and we e-mail you a reset link. The link works for one hour.</p>'
)
RESET_ES = (
    "<p>¿Olvidó su contraseña? Elija una contraseña nueva desde la página de inicio de sesión: siga el enlace "
    '"Olvidé mi contraseña" y le enviaremos un enlace.</p>'
)
VPN = "<p>Staff connect to the office VPN with the WireGuard profile from the IT portal.</p>"
REFUND = "<p>Refunds for a cancelled subscription reach your card within ten working days.</p>"


@pytest.fixture
def desk(people):
    admin = people.make(Role.admin, name="Ada")
    customer = people.make(Role.customer, name="Carl")
    other = people.make(Role.customer, name="Olga")
    agent = people.make(Role.agent, name="Ann")

    class Desk:
        pass

    d = Desk()
    d.admin, d.customer, d.other, d.agent = (people.actor(u) for u in (admin, customer, other, agent))
    d.customer_id = customer.id
    with write_session() as s:
        d.reset = kb.create_article(
            s,
            actor=d.admin,
            data=ArticleCreate(title="Reset your password", body=RESET, status="published"),
        ).id
        d.reset_es = kb.create_article(
            s,
            actor=d.admin,
            data=ArticleCreate(
                title="Restablecer la contraseña",
                body=RESET_ES,
                status="published",
                locale="es",
                translation_of=d.reset,
            ),
        ).id
        d.vpn = kb.create_article(
            s,
            actor=d.admin,
            data=ArticleCreate(title="Connect to the office VPN", body=VPN, status="published", visibility="internal"),
        ).id
        d.refund = kb.create_article(
            s, actor=d.admin, data=ArticleCreate(title="When does my refund arrive?", body=REFUND)
        ).id  # a draft
    runner.run_pending_jobs()
    return d


def _ask(actor, question: str, locale: str = "en", history=()):
    with read_session() as s:
        return chat.answer(s, actor=actor, question=question, locale=locale, history=list(history))


# ---- the pure rules -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I want a human",
        "Can I talk to a real person please?",
        "Let me speak to an agent",
        "connect me with a representative",
        "Quiero hablar con una persona",
        "¿Puedo hablar con un agente?",
        "Ich möchte mit einem Mitarbeiter sprechen",
        "Bitte einen echten Menschen",
        "Je veux parler à un humain",
        "Je voudrais un conseiller",
    ],
)
def test_asking_for_a_person_is_recognised_in_each_language(text):
    assert chat.asks_for_person(text)
    assert chat.escalation_reason(text, [], 0.99) == "asked_for_person"


@pytest.mark.parametrize(
    "text",
    ["How do I change my personal details?", "My card payment was declined", "¿Cómo cambio mi contraseña?"],
)
def test_ordinary_questions_are_not_a_request_for_a_person(text):
    assert not chat.asks_for_person(text)
    assert chat.escalation_reason(text, [], 0.99) is None


def test_two_unhelpful_answers_and_low_confidence_escalate():
    bot = ChatTurn(role="bot", text="An answer.", helpful=False)
    liked = ChatTurn(role="bot", text="An answer.", helpful=True)
    customer = ChatTurn(role="customer", text="A question.", helpful=False)  # a customer turn's mark counts not
    assert not chat.unhelpful_twice([bot, liked, customer])
    assert chat.unhelpful_twice([bot, liked, bot])
    assert chat.escalation_reason("Where is my card?", [bot, bot], 0.99) == "unhelpful_twice"
    assert chat.escalation_reason("Where is my card?", [], chat.CONFIDENCE_THRESHOLD - 0.01) == "low_confidence"
    assert chat.escalation_reason("Where is my card?", [], chat.CONFIDENCE_THRESHOLD) is None
    assert chat.agreement([0.9, 0.8, 0.7, 0.1]) == pytest.approx(0.8) and chat.agreement([0.6]) == 0.6
    clear, torn = chat.confidence_of(0.9, 0.2), chat.confidence_of(0.9, 0.85)
    assert 0.0 <= torn < clear <= 1.0 and chat.confidence_of(1.0, 0.0) == 1.0


def test_the_answer_is_whole_sentences_of_the_passages():
    long = Passage(text="First sentence here. " + "Second one is longer. " * 60, heading="T")
    text = chat.compose_answer("q", [long], "en")
    assert text.startswith("First sentence here. Second one is longer.")
    assert text.endswith(".") and len(text) <= chat.ANSWER_CHARS
    assert chat.compose_answer("q", [], "en") == ""


# ---- answering --------------------------------------------------------------------------------------------


def test_answers_from_a_public_article_with_its_link_in_the_readers_language(desk):
    got = _ask(desk.customer, "How can I reset my password?")
    assert not got.escalate and got.reason is None
    assert got.confidence >= chat.CONFIDENCE_THRESHOLD
    assert [s.article_id for s in got.sources] == [desk.reset]
    assert got.sources[0].url.startswith(f"/help/articles/{desk.reset}-")
    assert "Forgot password" in got.answer and got.answer in RESET.replace("<p>", "").replace("</p>", "")

    # The reader's language picks the article's translation. (The English-trained model scores a question in
    # Spanish lower than its English twin: such questions escalate more often, see bench/README.md.)
    spanish = _ask(desk.customer, "How can I reset my password?", locale="es")
    assert not spanish.escalate
    assert [s.article_id for s in spanish.sources] == [desk.reset_es]
    assert "contraseña" in spanish.answer


def _stream(actor, question: str, locale: str = "en"):
    """The events of a streamed answer: the decision, the model's pieces, the whole answer."""
    with read_session() as s:
        events = list(chat.answer_stream(s, actor=actor, question=question, locale=locale))
    decided, *pieces, done = events
    assert isinstance(decided, AnswerDecided) and isinstance(done, AnswerDone)
    assert all(isinstance(p, AnswerPiece) for p in pieces)
    return decided, "".join(p.text for p in pieces), done.answer


WRITTEN = "Use the Forgot password link on the sign-in page; the e-mailed link works for one hour."


def _writes(body) -> str:
    return WRITTEN if body["messages"][0]["content"].startswith("You answer a customer's question") else "?"


def test_the_model_writes_the_answer_from_the_passages_only_in_the_customers_language(desk, llm_server):
    llm_server.reply = _writes
    decided, streamed, got = _stream(desk.customer, "How can I reset my password?")
    assert decided.model_writes and not decided.escalate
    assert [s.article_id for s in decided.sources] == [desk.reset]  # known before the first word
    assert streamed == WRITTEN and (got.answer, got.made_by) == (WRITTEN, "llm")
    assert [s.article_id for s in got.sources] == [desk.reset] and not got.escalate
    asked = llm_server.requests[-1]
    system, user = (m["content"] for m in asked["messages"])
    assert asked["stream"] is True and "Write in English" in system and "only the help-centre passages" in system
    assert "How can I reset my password?" in user and '"Forgot password"' in user and "Reset your password" in user
    for elsewhere in ("WireGuard", "ten working days", "contraseña"):  # other articles, the translation
        assert elsewhere not in user

    _decided, _streamed, spanish = _stream(desk.customer, "How can I reset my password?", locale="es")
    system, user = (m["content"] for m in llm_server.requests[-1]["messages"])
    assert "Write in Spanish" in system and "contraseña" in user and "Forgot password" not in user
    assert [s.article_id for s in spanish.sources] == [desk.reset_es]

    whole = _ask(desk.customer, "How can I reset my password?")  # REST's answer: the same, not streamed
    assert (whole.answer, whole.made_by) == (WRITTEN, "llm") and not llm_server.requests[-1].get("stream")
    with read_session() as s:
        calls = s.exec(select(AiCall)).all()
    assert [(c.feature, c.prompt_version, c.streamed, c.ok) for c in calls] == [
        ("chat", "chat_answer@1", True, True),
        ("chat", "chat_answer@1", True, True),
        ("chat", "chat_answer@1", False, True),
    ]


def test_a_failing_model_gives_the_quoted_answer_and_never_answers_a_handover(desk, llm_server):
    llm_server.reply = _writes
    quoted = "Forgot password"
    llm_server.fail_next = 1
    decided, streamed, got = _stream(desk.customer, "How can I reset my password?")
    assert decided.model_writes and streamed == ""
    assert got.made_by == "extractive" and quoted in got.answer and got.sources[0].article_id == desk.reset

    llm_server.break_stream_after = 3  # the stream is cut: what was written is replaced by the quoted answer
    _decided, streamed, got = _stream(desk.customer, "How can I reset my password?")
    assert streamed == " ".join(WRITTEN.split(" ")[:3])
    assert got.made_by == "extractive" and quoted in got.answer and WRITTEN not in got.answer
    llm_server.break_stream_after = None
    llm_server.fail_next = 1
    assert _ask(desk.customer, "How can I reset my password?").made_by == "extractive"

    asked = len(llm_server.requests)
    for question in ("What is the best recipe for a lemon cake?", "I want a human"):
        decided, streamed, got = _stream(desk.customer, question)
        assert decided.escalate and got.escalate and got.made_by == "none" and streamed == ""
        assert _ask(desk.customer, question).escalate
    assert len(llm_server.requests) == asked  # retrieval decided: the model was never asked

    with write_session() as s:
        provider.set_switches(s, actor=desk.admin, features={"chat": False})
    decided, streamed, got = _stream(desk.customer, "How can I reset my password?")
    assert not decided.model_writes and got.made_by == "extractive" and quoted in got.answer
    assert _ask(desk.customer, "How can I reset my password?").made_by == "extractive"
    assert len(llm_server.requests) == asked


def test_never_answers_from_an_internal_or_a_draft_article_whoever_asks(desk):
    for actor in (desk.customer, desk.agent, desk.admin):
        for question in ("How do staff connect to the office VPN with WireGuard?", "When does my refund arrive?"):
            got = _ask(actor, question)
            assert got.escalate and got.sources == [], (actor.role, question)
            assert got.reason == "low_confidence"
            assert "WireGuard" not in got.answer and "ten working days" not in got.answer


def test_escalates_on_low_confidence_on_a_person_and_after_two_unhelpful_answers(desk):
    off_topic = _ask(desk.customer, "What is the best recipe for a lemon cake?")
    assert off_topic.escalate and off_topic.reason == "low_confidence" and off_topic.sources == []
    handovers = {}
    for question, locale in [
        ("I want a human", "en"),
        ("Quiero hablar con una persona", "es"),
        ("Ich will einen Mitarbeiter", "de"),
        ("Je veux parler à un humain", "fr"),
    ]:
        got = _ask(desk.customer, question, locale=locale)
        assert got.escalate and got.reason == "asked_for_person" and got.sources == []
        handovers[locale] = got.answer
    assert len(set(handovers.values())) == 4  # each in the chat's language
    answered = _ask(desk.customer, "How can I reset my password?")
    history = [
        {"role": "customer", "text": "How can I reset my password?"},
        {"role": "bot", "text": answered.answer, "helpful": False},
        {"role": "customer", "text": "I forgot my password"},
        {"role": "bot", "text": answered.answer, "helpful": False},
    ]
    got = _ask(desk.customer, "How can I reset my password?", history=history)
    assert got.escalate and got.reason == "unhelpful_twice"
    once = _ask(desk.customer, "How can I reset my password?", history=history[:2])
    assert not once.escalate


def test_questions_and_histories_are_checked(desk):
    too_long_history = [{"role": "customer", "text": "hi"}] * (chat.MAX_HISTORY_TURNS + 1)
    for question, history, locale in [
        ("", [], "en"),
        ("   ", [], "en"),
        ("x" * (chat.MAX_QUESTION_CHARS + 1), [], "en"),
        ("Reset?", [{"role": "customer", "text": "hi", "mood": "sad"}], "en"),
        ("Reset?", [{"role": "system", "text": "hi"}], "en"),
        ("Reset?", too_long_history, "en"),
        ("Reset?", [], "xx"),
    ]:
        with pytest.raises(ValidationFailed):
            _ask(desk.customer, question, locale=locale, history=history)


# ---- escalating -------------------------------------------------------------------------------------------


def test_escalating_opens_the_customers_chat_ticket_with_the_transcript(desk):
    transcript = [
        {"role": "customer", "text": "How can I reset my password?"},
        {
            "role": "bot",
            "text": "Choose a new password from the sign-in page.",
            "helpful": False,
            "sources": [desk.reset],
        },
        {"role": "bot", "text": "Not a link to the VPN.", "sources": [desk.vpn]},
        {"role": "customer", "text": "I want a human <script>alert(1)</script>"},
    ]
    with write_session() as s:
        got = chat.escalate(s, actor=desk.customer, transcript=transcript, locale="en")
    assert got.ticket.subject == "Chat: How can I reset my password?"
    assert f"#{got.ticket.number}" in got.message
    with read_session() as s:
        ticket = s.get(Ticket, got.ticket.id)
        assert ticket.channel == Channel.chat and ticket.requester_id == desk.customer_id
        audit = s.exec(select(AuditEntry).where(AuditEntry.object_id == got.ticket.id)).all()
        assert [a.action for a in audit if a.object_type == "ticket"] == ["ticket.create"]
        mine = tickets.customer_tickets(s, actor=desk.customer)
        assert got.ticket.id in [t.id for t in mine.items]
        (first,) = tickets.customer_messages(s, actor=desk.customer, ticket_id=got.ticket.id)
        with pytest.raises(NotFound):
            tickets.customer_messages(s, actor=desk.other, ticket_id=got.ticket.id)
    body = first.body_html
    assert "Customer:" in body and "Chatbot:" in body and "How can I reset my password?" in body
    assert f"/help/articles/{desk.reset}-" in body and "Reset your password" in body
    assert "Connect to the office VPN" not in body  # an internal article is never linked
    assert "<script>" not in body and "Marked not helpful" in body
    assert body.index("How can I reset") < body.index("Choose a new password") < body.index("I want a human")


def test_who_may_escalate_for_whom(desk):
    transcript = [{"role": "customer", "text": "Where is my refund?"}]
    with write_session() as s, pytest.raises(PermissionDenied):
        chat.escalate(s, actor=desk.customer, transcript=transcript, requester_id=desk.other.user_id)
    with write_session() as s, pytest.raises(ValidationFailed):
        chat.escalate(s, actor=desk.agent, transcript=transcript)
    with write_session() as s, pytest.raises(ValidationFailed):
        chat.escalate(s, actor=desk.customer, transcript=[])
    with write_session() as s, pytest.raises(ValidationFailed):
        chat.escalate(s, actor=desk.customer, transcript=[{"role": "customer", "text": "x", "sources": [0]}])
    with write_session() as s:
        got = chat.escalate(
            s, actor=desk.agent, transcript=transcript, requester_id=desk.customer_id, subject="Refund chat"
        )
    assert got.ticket.subject == "Refund chat"
    with read_session() as s:
        assert [m.body_text for m in tickets.customer_messages(s, actor=desk.customer, ticket_id=got.ticket.id)]
