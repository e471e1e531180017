"""The demo desk's knowledge base: a few help articles for the fintech's customers, each written in all four
languages and linked as translations of one another (one row per locale, one translation group), through the
knowledge-base services like an editor's own articles (versions, passages, the `kb.index` job)."""

from __future__ import annotations

from sqlmodel import Session

from autocrm.services.actor import Actor
from autocrm.services.kb import articles

CATEGORIES = ("Cards", "Transfers and payments")
# (category, tags, {locale: (title, body HTML)}); English first: the others are its translations.
ARTICLES: list[tuple[str, list[str], dict[str, tuple[str, str]]]] = [
    (
        "Cards",
        ["card", "activation"],
        {
            "en": (
                "Activate your new card",
                "<p>Your card arrives within 5 to 7 working days of ordering it, in a plain white envelope.</p>"
                "<h2>Activate it in the app</h2>"
                "<p>Open the app, go to <strong>Cards</strong>, choose the new card and tap <strong>Activate</strong>."
                " Enter the last four digits printed on the card to confirm.</p>"
                "<h2>It has not arrived</h2>"
                "<p>If the card is not there after 10 working days, freeze it in the app and order a new one: the "
                "lost one can then never be used.</p>",
            ),
            "es": (
                "Activa tu nueva tarjeta",
                "<p>Tu tarjeta llega entre 5 y 7 días hábiles después de pedirla, en un sobre blanco sin marcas.</p>"
                "<h2>Actívala en la app</h2>"
                "<p>Abre la app, ve a <strong>Tarjetas</strong>, elige la tarjeta nueva y pulsa "
                "<strong>Activar</strong>. Introduce los cuatro últimos dígitos impresos en la tarjeta para "
                "confirmarlo.</p>"
                "<h2>No ha llegado</h2>"
                "<p>Si la tarjeta no ha llegado pasados 10 días hábiles, congélala en la app y pide una nueva: así la "
                "perdida ya no se podrá usar nunca.</p>",
            ),
            "de": (
                "Neue Karte aktivieren",
                "<p>Ihre Karte kommt 5 bis 7 Werktage nach der Bestellung in einem neutralen weißen Umschlag.</p>"
                "<h2>In der App aktivieren</h2>"
                "<p>Öffnen Sie die App, gehen Sie zu <strong>Karten</strong>, wählen Sie die neue Karte und tippen "
                "Sie auf <strong>Aktivieren</strong>. Bestätigen Sie mit den letzten vier Ziffern auf der Karte.</p>"
                "<h2>Die Karte ist nicht angekommen</h2>"
                "<p>Ist die Karte nach 10 Werktagen nicht da, sperren Sie sie in der App und bestellen Sie eine neue: "
                "Die verlorene Karte kann dann nie mehr benutzt werden.</p>",
            ),
            "fr": (
                "Activer votre nouvelle carte",
                "<p>Votre carte arrive 5 à 7 jours ouvrés après la commande, dans une enveloppe blanche neutre.</p>"
                "<h2>L’activer dans l’application</h2>"
                "<p>Ouvrez l’application, allez dans <strong>Cartes</strong>, choisissez la nouvelle carte et "
                "touchez <strong>Activer</strong>. Confirmez avec les quatre derniers chiffres imprimés sur la "
                "carte.</p>"
                "<h2>Elle n’est pas arrivée</h2>"
                "<p>Si la carte n’est toujours pas là après 10 jours ouvrés, bloquez-la dans l’application et "
                "commandez-en une nouvelle : la carte perdue ne pourra alors plus jamais servir.</p>",
            ),
        },
    ),
    (
        "Transfers and payments",
        ["transfer", "pending"],
        {
            "en": (
                "Why is my transfer still pending?",
                "<p>Most transfers arrive within minutes. A transfer stays <strong>pending</strong> while the "
                "receiving bank processes it, or while we check a payment that looks unusual.</p>"
                "<h2>How long it can take</h2>"
                "<p>Transfers in euros inside the SEPA area take up to one working day; international transfers "
                "take up to five. Transfers sent on a weekend start on the next working day.</p>"
                "<h2>When to write to us</h2>"
                "<p>If a transfer is pending for longer than that, reply to this desk with its reference: we trace "
                "it with the receiving bank.</p>",
            ),
            "es": (
                "¿Por qué mi transferencia sigue pendiente?",
                "<p>La mayoría de las transferencias llegan en minutos. Una transferencia queda "
                "<strong>pendiente</strong> mientras el banco de destino la procesa o mientras revisamos un pago "
                "que parece inusual.</p>"
                "<h2>Cuánto puede tardar</h2>"
                "<p>Las transferencias en euros dentro de la zona SEPA tardan hasta un día hábil; las "
                "internacionales, hasta cinco. Las enviadas en fin de semana empiezan el siguiente día hábil.</p>"
                "<h2>Cuándo escribirnos</h2>"
                "<p>Si una transferencia lleva pendiente más tiempo, escríbenos con su referencia: la rastreamos con "
                "el banco de destino.</p>",
            ),
            "de": (
                "Warum ist meine Überweisung noch ausstehend?",
                "<p>Die meisten Überweisungen kommen in wenigen Minuten an. Eine Überweisung bleibt "
                "<strong>ausstehend</strong>, solange die Empfängerbank sie bearbeitet oder wir eine ungewöhnlich "
                "wirkende Zahlung prüfen.</p>"
                "<h2>Wie lange es dauern kann</h2>"
                "<p>Euro-Überweisungen im SEPA-Raum dauern bis zu einen Werktag, internationale bis zu fünf. Am "
                "Wochenende gesendete Überweisungen starten am nächsten Werktag.</p>"
                "<h2>Wann Sie uns schreiben sollten</h2>"
                "<p>Ist eine Überweisung länger ausstehend, schreiben Sie uns mit ihrer Referenz: Wir verfolgen sie "
                "mit der Empfängerbank.</p>",
            ),
            "fr": (
                "Pourquoi mon virement est-il toujours en attente ?",
                "<p>La plupart des virements arrivent en quelques minutes. Un virement reste <strong>en "
                "attente</strong> pendant que la banque destinataire le traite, ou pendant que nous vérifions un "
                "paiement qui semble inhabituel.</p>"
                "<h2>Combien de temps cela peut prendre</h2>"
                "<p>Les virements en euros dans la zone SEPA prennent jusqu’à un jour ouvré ; les virements "
                "internationaux, jusqu’à cinq. Un virement envoyé le week-end part le jour ouvré suivant.</p>"
                "<h2>Quand nous écrire</h2>"
                "<p>Si un virement reste en attente plus longtemps, écrivez-nous avec sa référence : nous le "
                "retrouvons avec la banque destinataire.</p>",
            ),
        },
    ),
    (
        "Cards",
        ["card", "security"],
        {
            "en": (
                "Lost or stolen card",
                "<p>Freeze the card at once in the app: <strong>Cards</strong>, then <strong>Freeze</strong>. A "
                "frozen card refuses every payment and can be unfrozen if you find it again.</p>"
                "<h2>Payments you do not recognise</h2>"
                "<p>Tap the payment and choose <strong>I don’t recognise this</strong>. We block the card for good, "
                "send you a new one and open a dispute for the payment.</p>",
            ),
            "es": (
                "Tarjeta perdida o robada",
                "<p>Congela la tarjeta enseguida en la app: <strong>Tarjetas</strong> y luego "
                "<strong>Congelar</strong>. Una tarjeta congelada rechaza todos los pagos y puedes descongelarla si "
                "la encuentras.</p>"
                "<h2>Pagos que no reconoces</h2>"
                "<p>Pulsa el pago y elige <strong>No reconozco este pago</strong>. Bloqueamos la tarjeta "
                "definitivamente, te enviamos una nueva y abrimos una reclamación por el pago.</p>",
            ),
            "de": (
                "Karte verloren oder gestohlen",
                "<p>Sperren Sie die Karte sofort in der App: <strong>Karten</strong>, dann <strong>Einfrieren</strong>"
                ". Eine eingefrorene Karte lehnt jede Zahlung ab und lässt sich wieder freigeben, wenn Sie sie "
                "finden.</p>"
                "<h2>Zahlungen, die Sie nicht kennen</h2>"
                "<p>Tippen Sie auf die Zahlung und wählen Sie <strong>Ich erkenne diese Zahlung nicht</strong>. Wir "
                "sperren die Karte endgültig, schicken Ihnen eine neue und eröffnen einen Einspruch zur Zahlung.</p>",
            ),
            "fr": (
                "Carte perdue ou volée",
                "<p>Gelez la carte tout de suite dans l’application : <strong>Cartes</strong>, puis "
                "<strong>Geler</strong>. Une carte gelée refuse tous les paiements et peut être dégelée si vous la "
                "retrouvez.</p>"
                "<h2>Des paiements que vous ne reconnaissez pas</h2>"
                "<p>Touchez le paiement et choisissez <strong>Je ne reconnais pas ce paiement</strong>. Nous bloquons "
                "la carte définitivement, vous en envoyons une nouvelle et ouvrons une contestation du paiement.</p>",
            ),
        },
    ),
]


def seed_articles(session: Session, *, actor: Actor) -> int:
    """The demo articles, published and public; returns how many rows (one per language) were written."""
    category_ids = {
        name: articles.create_category(session, actor=actor, data=articles.CategoryCreate(name=name, position=i)).id
        for i, name in enumerate(CATEGORIES)
    }
    written = 0
    for category, tags, texts in ARTICLES:
        source_id: int | None = None
        for locale, (title, body) in texts.items():
            article = articles.create_article(
                session,
                actor=actor,
                data=articles.ArticleCreate(
                    title=title,
                    body=body,
                    locale=locale,
                    status="published",
                    visibility="public",
                    category_id=category_ids[category],
                    tags=tags,
                    translation_of=source_id,
                ),
            )
            source_id = source_id or article.id
            written += 1
    return written
