"""A believable demo desk: a fintech's support team, its customers and 90 days of tickets.

Ticket texts are real customer queries from BANKING77 (see seed_data/banking77/SOURCE.md).
The seed writes rows directly so their timestamps can lie in the past, and records one
audit entry per batch so the import is never silent. The resolved tickets carry their BANKING77 intent in the
custom field `category` (agents categorize as they solve) and their triage vectors, so the demo's triage
suggests a category, team and priority for the open tickets from the first start.
"""

from __future__ import annotations

import csv
import random
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, func, select

from autocrm.core.db import stored_id
from autocrm.models import (
    Channel,
    CustomFieldType,
    Message,
    Organization,
    Role,
    SatisfactionRating,
    StatusCategory,
    Team,
    TeamMembership,
    Ticket,
    TicketTag,
    TicketWork,
    User,
)
from autocrm.models.base import utcnow
from autocrm.services import audit, desk, seed_kb, setup, ticket_rules
from autocrm.services.actor import Actor
from autocrm.services.ai import triage
from autocrm.services.auth import hash_password
from autocrm.services.content import text_to_html
from autocrm.services.ticket_rules import AuthorKind, StatusTimes

DEMO_PASSWORD = "autocrm-demo"  # noqa: S105 (the demo desk's published password, shown in the README)
DEMO_ADMIN_EMAIL = "admin@demo.autocrm.dev"
DEMO_AGENT_EMAIL = "maya.agent@demo.autocrm.dev"
DEMO_CUSTOMER_EMAIL = "olivia.customer@example.com"
# The demo logins printed at start-up. Off loopback each gets a random password; the other demo people none.
DEMO_LOGINS = (DEMO_ADMIN_EMAIL, DEMO_AGENT_EMAIL, DEMO_CUSTOMER_EMAIL)
BANKING77 = Path(__file__).resolve().parents[1] / "seed_data" / "banking77" / "train.csv"

TEAMS = {
    "Cards & Payments": (
        "Card delivery, payments, PINs and chargebacks",
        ("card", "pin", "contactless", "atm", "payment", "apple_pay", "google_pay", "virtual", "declined"),
    ),
    "Transfers & Top-ups": (
        "Transfers, top-ups, exchange and cash",
        (
            "transfer",
            "top_up",
            "exchange",
            "cash",
            "fiat",
            "currency",
            "receiving",
            "beneficiary",
            "balance",
            "refund",
            "direct_debit",
        ),
    ),
    "Accounts & Verification": ("Sign-up, identity checks, security and account closure", ()),
}
AGENTS = [
    ("Maya Okafor", DEMO_AGENT_EMAIL),
    ("Liam Novak", "liam.novak@demo.autocrm.dev"),
    ("Sofia Alvarez", "sofia.alvarez@demo.autocrm.dev"),
    ("Noah Fischer", "noah.fischer@demo.autocrm.dev"),
    ("Aisha Rahman", "aisha.rahman@demo.autocrm.dev"),
    ("Ethan Brooks", "ethan.brooks@demo.autocrm.dev"),
    ("Yuki Tanaka", "yuki.tanaka@demo.autocrm.dev"),
    ("Lucas Moreau", "lucas.moreau@demo.autocrm.dev"),
]
ORGANIZATIONS = [
    ("Northwind Traders", "northwind.example"),
    ("Bluebird Cafés", "bluebird.example"),
    ("Helios Labs", "helios.example"),
    ("Granite Logistics", "granite.example"),
]
FIRST_NAMES = [
    "Olivia",
    "James",
    "Amelia",
    "Mateo",
    "Chloe",
    "Omar",
    "Hannah",
    "Diego",
    "Priya",
    "Jonas",
    "Grace",
    "Tariq",
    "Elena",
    "Kofi",
    "Isla",
    "Ravi",
    "Mia",
    "Felix",
    "Zara",
    "Leo",
    "Nora",
    "Sami",
    "Ines",
    "Hugo",
    "Lena",
    "Arjun",
    "Emma",
    "Marco",
    "Freya",
    "Kenji",
]
LAST_NAMES = [
    "Bennett",
    "Carter",
    "Kowalski",
    "Haddad",
    "Silva",
    "Nguyen",
    "Schmidt",
    "Rossi",
    "Patel",
    "Dubois",
    "Larsen",
    "Mensah",
    "Costa",
    "Ivanova",
    "Walsh",
    "Yilmaz",
    "Sato",
    "Keller",
    "Reyes",
    "Morgan",
]
AGENT_REPLIES = [
    "Thanks for reaching out, {first}. I've checked your account and I can see what happened. {fix}",
    "Hi {first}, sorry for the trouble. {fix} Let me know if anything is still unclear.",
    "Hello {first}, thank you for your patience. {fix}",
]
FIXES = {
    "card": "Your card was dispatched on the 3rd and should arrive within 2 working days; you can follow it under Cards > Delivery.",
    "transfer": "The transfer left us yesterday; the receiving bank can take up to one working day to credit it.",
    "top_up": "The top-up was held for a routine check and is now released, so your balance should show it.",
    "exchange": "We apply the interbank rate at the moment of payment; I've attached the rate we used to the ticket.",
    "default": "I've fixed this on our side and you should see the change in the app within a few minutes.",
}
CUSTOMER_FOLLOW_UPS = [
    "Thanks, that worked!",
    "I still don't see it in the app, can you check again?",
    "Great, appreciated.",
    "Could you confirm by email as well?",
    "OK, I'll wait and let you know.",
]
NOTES = [
    "Checked the ledger: matches what the customer says.",
    "Escalating to the payments team if this repeats.",
    "Customer is on the premium plan, prioritise.",
    "Same issue as last week's incident, see the status page.",
]


@dataclass
class SeedSummary:
    users: int
    tickets: int
    messages: int
    articles: int = 0  # knowledge-base rows, one per language
    # e-mail -> password of the demo logins, to print once
    logins: dict[str, str] = field(default_factory=dict)


# A few customers write in their own language (their profile says so, and their mails and portal follow it):
# (first name, last name, locale), and what they ask, with the replies their agents wrote in that language.
MULTILINGUAL_CUSTOMERS = [
    ("Lucía", "Fernández", "es"),
    ("Javier", "Morales", "es"),
    ("Jonas", "Becker", "de"),
    ("Anna", "Schmidt", "de"),
]
LOCAL_QUERIES = {
    "es": [
        (
            "Me han cobrado dos veces el mismo pago",
            "Ayer pagué con la tarjeta en una tienda y en la app veo el cargo dos veces. ¿Podéis devolverme uno?",
        ),
        (
            "No me llega la transferencia",
            "Hice una transferencia a mi cuenta de otro banco hace tres días y todavía no ha llegado. ¿Qué pasa?",
        ),
        (
            "Tarjeta bloqueada en el extranjero",
            "Estoy de viaje en Portugal y la tarjeta no funciona en ningún cajero. ¿Está bloqueada?",
        ),
    ],
    "de": [
        (
            "Karte wurde abgelehnt",
            "Meine Karte wurde heute im Supermarkt abgelehnt, obwohl genug Geld auf dem Konto ist. Woran liegt das?",
        ),
        (
            "Überweisung noch nicht angekommen",
            "Ich habe vor zwei Tagen Geld überwiesen, aber der Empfänger hat noch nichts bekommen. Können Sie nachsehen?",
        ),
        (
            "Gebühr für Bargeldabhebung",
            "Warum wurde mir für eine Abhebung am Automaten eine Gebühr berechnet? Ich dachte, das ist kostenlos.",
        ),
    ],
}
LOCAL_REPLIES = {
    "es": "Hola, {first}:\n\nGracias por escribirnos. Lo hemos revisado y ya está solucionado; si vuelve a pasar, respóndenos aquí.\n\nUn saludo",
    "de": "Hallo {first},\n\ndanke für Ihre Nachricht. Wir haben es geprüft und behoben; "
    "falls es wieder passiert, antworten Sie einfach hier.\n\nViele Grüße",
}
LOCAL_FOLLOW_UPS = {"es": "¡Muchas gracias! Ya funciona.", "de": "Vielen Dank, jetzt klappt es!"}


def random_password() -> str:
    return secrets.token_urlsafe(12)


def _demo_credentials(session: Session, *, published: bool) -> tuple[str | None, dict[str, str | None], dict[str, str]]:
    """(the hash every other demo account gets, the hash of each printed login, the logins to print)."""
    if published:
        shared = hash_password(DEMO_PASSWORD)  # one hash for every demo account keeps seeding fast
        # Remembered so that a later start off loopback can find and replace the published password.
        setup.set_value(session, setup.DEMO_PASSWORDS, shared)
        return shared, dict.fromkeys(DEMO_LOGINS, shared), dict.fromkeys(DEMO_LOGINS, DEMO_PASSWORD)
    logins = {email: random_password() for email in DEMO_LOGINS}
    return None, {email: hash_password(password) for email, password in logins.items()}, logins


def carries_published_passwords(session: Session) -> bool:
    return setup.get_value(session, setup.DEMO_PASSWORDS) is not None


def retire_published_passwords(session: Session) -> dict[str, str]:
    """For a server off loopback: every account still on a published password (the demo's, or the bench
    desk's) loses it; the demo logins and every admin get random ones (returned, to print once), the other
    people none (a reset gives them one)."""
    shared = setup.get_value(session, setup.DEMO_PASSWORDS)
    if not isinstance(shared, str):
        return {}
    logins: dict[str, str] = {}
    changed = 0
    for user in list(session.exec(select(User).where(User.password_hash == shared))):
        if user.email in DEMO_LOGINS or user.role == Role.admin:
            logins[user.email] = random_password()
            user.password_hash = hash_password(logins[user.email])
        else:
            user.password_hash = None
        user.updated_at = utcnow()
        session.add(user)
        changed += 1
    setup.delete_value(session, setup.DEMO_PASSWORDS)
    audit.record(
        session,
        actor=Actor.system("serve"),
        action="seed.demo_passwords_retired",
        object_type="desk",
        object_id=None,
        changes={"accounts": (changed, 0)},
    )
    return logins


def load_queries() -> list[tuple[str, str]]:
    """BANKING77's customer queries, each with its intent (`card_arrival`, `transfer_timing`, ...)."""
    with BANKING77.open(newline="", encoding="utf-8") as handle:
        return [(row["text"].strip(), row["category"]) for row in csv.DictReader(handle)]


def _team_for(category: str, teams: dict[str, Team]) -> Team:
    for name, (_description, keywords) in TEAMS.items():
        if any(keyword in category for keyword in keywords):
            return teams[name]
    return teams["Accounts & Verification"]


def subject_from(text: str) -> str:
    """A ticket subject from a query: its first sentence, capitalized, at most 90 characters."""
    first = text.split("?")[0].split(". ")[0].strip()
    subject = first[:1].upper() + first[1:]
    return subject if len(subject) <= 90 else subject[:87].rstrip() + "..."


def fix_for(category: str) -> str:
    """An agent's answer to a query of this intent."""
    return next((fix for key, fix in FIXES.items() if key in category), FIXES["default"])


def demo_already_seeded(session: Session) -> bool:
    return session.exec(select(func.count()).select_from(User)).one() > 0


def seed_demo(
    session: Session, *, tickets: int = 400, days: int = 90, seed: int = 7, published_password: bool = True
) -> SeedSummary:
    """Fills an empty desk. Deterministic for a given seed. With `published_password` every demo account
    has DEMO_PASSWORD (for a server on loopback only); without it the demo logins get random passwords,
    returned in the summary, and the other demo people none."""
    rng = random.Random(seed)
    # Handling time the demo's agents spent on their solved tickets (as presence would have recorded it), from
    # a generator of its own so the rest of the desk comes out as it always did.
    work_rng = random.Random(seed + 17)
    desk.ensure_defaults(session)
    actor = Actor.system("seed:demo")
    desk.create_custom_field(
        session, actor=actor, key=triage.CATEGORY_FIELD, label="Category", field_type=CustomFieldType.text
    )
    now = utcnow()
    password_hash, login_hashes, logins = _demo_credentials(session, published=published_password)

    orgs = [Organization(name=name, domain=domain) for name, domain in ORGANIZATIONS]
    session.add_all(orgs)
    teams = {name: Team(name=name, description=description) for name, (description, _) in TEAMS.items()}
    session.add_all(teams.values())
    admin = User(
        email=DEMO_ADMIN_EMAIL,
        name="Alex Admin",
        role=Role.admin,
        password_hash=login_hashes[DEMO_ADMIN_EMAIL],
        email_verified_at=now,
    )
    agents = [
        User(
            email=email,
            name=name,
            role=Role.agent,
            password_hash=login_hashes.get(email, password_hash),
            email_verified_at=now,
        )
        for name, email in AGENTS
    ]
    session.add_all([admin, *agents])
    session.flush()
    team_list = list(teams.values())
    for index, agent in enumerate(agents):
        session.add(TeamMembership(team_id=stored_id(team_list[index % 3].id), user_id=stored_id(agent.id)))
        if index % 4 == 0:
            session.add(TeamMembership(team_id=stored_id(team_list[(index + 1) % 3].id), user_id=stored_id(agent.id)))

    customers = [
        User(
            email=DEMO_CUSTOMER_EMAIL,
            name="Olivia Bennett",
            role=Role.customer,
            password_hash=login_hashes[DEMO_CUSTOMER_EMAIL],
            organization_id=None,
            email_verified_at=now,
        )
    ]
    used = {DEMO_CUSTOMER_EMAIL}
    while len(customers) < 60:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        org = rng.choice([None, None, *orgs])
        domain = org.domain if org else rng.choice(["example.com", "mail.example.org", "example.net"])
        email = f"{first}.{last}".lower() + f"@{domain}"
        if email in used:
            continue
        used.add(email)
        customers.append(
            User(
                email=email,
                name=f"{first} {last}",
                role=Role.customer,
                password_hash=password_hash,
                organization_id=org.id if org else None,
                email_verified_at=now,
            )
        )
    session.add_all(customers)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="seed.users",
        object_type="desk",
        object_id=None,
        changes={
            "users": (0, 1 + len(agents) + len(customers)),
            "teams": (0, len(teams)),
            "organizations": (0, len(orgs)),
        },
    )

    statuses = {s.category: s for s in desk.statuses(session)}
    queries = load_queries()
    rng.shuffle(queries)
    members = {team.id: [a for i, a in enumerate(agents) if team_list[i % 3].id == team.id] for team in team_list}
    message_count = 0
    # Mostly settled history with a live queue on top, as on a real desk.
    status_mix = (
        [StatusCategory.closed] * 30
        + [StatusCategory.solved] * 25
        + [StatusCategory.open] * 18
        + [StatusCategory.new] * 10
        + [StatusCategory.pending] * 12
        + [StatusCategory.on_hold] * 5
    )
    for index in range(tickets):
        text, category = queries[index % len(queries)]
        customer = customers[0] if index % 25 == 0 else rng.choice(customers)
        team = _team_for(category, teams)
        age = timedelta(days=days) * (1 - (index / tickets) ** 1.4) + timedelta(minutes=rng.randint(0, 600))
        created = now - max(age, timedelta(minutes=20 + index % 50))
        category_state = rng.choice(status_mix)
        if created > now - timedelta(days=2) and category_state == StatusCategory.closed:
            category_state = StatusCategory.open
        assignee = None if category_state == StatusCategory.new else rng.choice(members[team.id] or agents)
        priority = rng.choices(["low", "normal", "high", "urgent"], weights=[20, 55, 18, 7])[0]
        ticket = Ticket(
            number=desk.next_ticket_number(session),
            subject=subject_from(text),
            status=statuses[category_state].key,
            priority=priority,
            channel=rng.choices([Channel.web, Channel.email, Channel.chat, Channel.phone], weights=[45, 35, 15, 5])[0],
            requester_id=stored_id(customer.id),
            organization_id=customer.organization_id,
            assignee_id=assignee.id if assignee else None,
            team_id=team.id,
            custom_fields=(
                {triage.CATEGORY_FIELD: category}
                if category_state in (StatusCategory.solved, StatusCategory.closed)
                else {}
            ),
            created_at=created,
            updated_at=created,
        )
        session.add(ticket)
        session.flush()
        first = customer.name.split()[0]
        conversation: list[tuple[User, str, bool]] = [(customer, f"Hi,\n\n{text}\n\nThanks,\n{first}", False)]
        if assignee is not None:
            if rng.random() < 0.3:
                conversation.append((assignee, rng.choice(NOTES), True))
            conversation.append((assignee, rng.choice(AGENT_REPLIES).format(first=first, fix=fix_for(category)), False))
            if rng.random() < 0.6:
                conversation.append((customer, rng.choice(CUSTOMER_FOLLOW_UPS), False))
            if category_state in (StatusCategory.solved, StatusCategory.closed) and rng.random() < 0.5:
                conversation.append(
                    (
                        assignee,
                        "Glad we could help! I'm marking this as solved; just reply if anything comes up.",
                        False,
                    )
                )
        at = created
        for author, body, internal in conversation:
            html = text_to_html(body)
            session.add(
                Message(
                    ticket_id=stored_id(ticket.id),
                    author_id=author.id,
                    internal=internal,
                    channel=ticket.channel,
                    body_html=html,
                    body_text=body,
                    created_at=at,
                )
            )
            kind = AuthorKind.staff if author.role.is_staff else AuthorKind.customer
            ticket.first_response_at = ticket_rules.first_response_after(
                ticket.first_response_at, kind, internal=internal, at=at
            )
            ticket.updated_at = at
            if ticket_rules.customer_sees_message(internal=internal):
                ticket.customer_updated_at = at
            at = min(at + timedelta(minutes=rng.randint(15, 60 * 20)), now - timedelta(minutes=5))
        message_count += len(conversation)
        if category_state in (StatusCategory.solved, StatusCategory.closed):
            # Solved with the last message; a closed ticket was closed four days later (or just now).
            times = ticket_rules.times_on_entering(StatusCategory.solved, StatusTimes(), at=ticket.updated_at)
            if category_state == StatusCategory.closed:
                closed = min(ticket.updated_at + timedelta(days=4), now)
                times = ticket_rules.times_on_entering(StatusCategory.closed, times, at=closed)
            ticket.solved_at, ticket.closed_at = times.solved_at, times.closed_at
            if assignee is not None and times.solved_at is not None:
                seconds = work_rng.randint(4 * 60, 40 * 60)
                session.add(
                    TicketWork(
                        user_id=stored_id(assignee.id),
                        ticket_id=stored_id(ticket.id),
                        started_at=times.solved_at - timedelta(seconds=seconds + 60),
                        seconds=seconds,
                    )
                )
            if rng.random() < 0.45:
                session.add(
                    SatisfactionRating(
                        ticket_id=stored_id(ticket.id),
                        requester_id=stored_id(customer.id),
                        agent_id=assignee.id if assignee else None,
                        score=rng.choices([5, 4, 3, 2, 1], weights=[55, 25, 10, 6, 4])[0],
                        comment=rng.choice(["", "", "Fast and friendly.", "Took a while but solved.", "Thanks!"]),
                        created_at=ticket.updated_at,
                    )
                )
        # Tags obey the tickets' tag rule (BANKING77 has a "reverted_card_payment?" category): a tag the rule
        # refuses would make every later change of the ticket's tags fail.
        tags = {category.replace("_", "-").strip("?")[:50]}
        if priority in ("high", "urgent") and rng.random() < 0.5:
            tags.add("escalated")
        if customer.organization_id:
            tags.add("business")
        for tag in tags:
            session.add(TicketTag(ticket_id=stored_id(ticket.id), tag=tag))
        session.add(ticket)
        if (index + 1) % 100 == 0 or index + 1 == tickets:
            audit.record(
                session,
                actor=actor,
                action="seed.tickets",
                object_type="desk",
                object_id=None,
                changes={"tickets": (index - index % 100, index + 1)},
            )
            session.flush()
    _speak_their_languages(session, customers)
    session.flush()
    while triage.index_missing(session):  # about a second per 100 resolved tickets
        pass
    _demo_macros(session, admin)
    written = seed_kb.seed_articles(session, actor=actor)
    return SeedSummary(
        users=1 + len(agents) + len(customers),
        tickets=tickets,
        messages=message_count,
        articles=written,
        logins=logins,
    )


# The demo desk's shared macros (name, body, actions), written and approved by the admin.
DEMO_MACROS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "Ask for the transaction details",
        "<p>Hi {{customer.first_name}},</p><p>Thanks for getting in touch. So that we can find the payment, "
        "could you send us its date, amount and the merchant's name as it shows in your statement?</p>"
        "<p>{{agent.name}}</p>",
        {"status": "pending"},
    ),
    (
        "Refund on its way",
        "<p>Hi {{customer.first_name}},</p><p>We have refunded the payment. It shows in your account within "
        "three working days. Ticket #{{ticket.number}} is solved; reply to it if anything is still wrong.</p>"
        "<p>{{agent.name}}</p>",
        {"status": "solved", "add_tags": ["refund"]},
    ),
    (
        "Card blocked and replaced",
        "<p>Hi {{customer.first_name}},</p><p>We have blocked the card and ordered a new one; it arrives within "
        "five working days. Your PIN stays the same.</p><p>{{agent.name}}</p>",
        {"status": "solved", "priority": "high", "add_tags": ["card-replaced"]},
    ),
)


def _demo_macros(session: Session, admin: User) -> None:
    from autocrm.services import macros  # macros render through the ticket services, which the seed feeds

    actor = Actor.for_user(admin)
    for name, body, actions in DEMO_MACROS:
        created = macros.create_macro(
            session,
            actor=actor,
            data=macros.MacroCreate(name=name, body=body, scope="shared", actions=macros.MacroActions(**actions)),
        )
        macros.submit_macro(session, actor=actor, macro_id=created.id)
        macros.review_macro(session, actor=actor, macro_id=created.id, approve=True, comment="Demo desk")


def _speak_their_languages(session: Session, customers: list[User]) -> None:
    """A few of the demo customers become Spanish and German speakers: their profile's language, and their
    tickets' subjects and conversations (the agents' public replies too) in it. Internal notes stay English."""
    picked = customers[5 : 5 + 4 * 7 : 7]  # never Olivia (the first), spread over the list
    for customer, (first, last, locale) in zip(picked, MULTILINGUAL_CUSTOMERS, strict=False):
        customer.name, customer.locale = f"{first} {last}", locale
        domain = customer.email.split("@", 1)[1]
        customer.email = f"{first}.{last}".lower().replace("í", "i").replace("á", "a") + f"@{domain}"
        session.add(customer)
        rows = session.exec(select(Ticket).where(Ticket.requester_id == customer.id).order_by(col(Ticket.id))).all()
        for index, ticket in enumerate(rows):
            subject, text = LOCAL_QUERIES[locale][index % len(LOCAL_QUERIES[locale])]
            ticket.subject = subject
            session.add(ticket)
            said_first = False
            for message in session.exec(
                select(Message).where(Message.ticket_id == ticket.id).order_by(col(Message.id))
            ):
                if message.internal:
                    continue
                if message.author_id == customer.id:
                    body = f"Hola,\n\n{text}\n\n{first}" if locale == "es" else f"Hallo,\n\n{text}\n\n{first}"
                    body = body if not said_first else LOCAL_FOLLOW_UPS[locale]
                    said_first = True
                else:
                    body = LOCAL_REPLIES[locale].format(first=first)
                message.body_text, message.body_html = body, text_to_html(body)
                session.add(message)
    session.flush()
