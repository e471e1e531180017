"""Every UI route in one place: pages register them, states redirect to them, services put them in the links
they mail, channels in the links they send. Imports nothing, so any layer may import it."""

LOGIN = "/login"
SIGNUP = "/signup"
FORGOT_PASSWORD = "/forgot-password"  # noqa: S105 (a route, not a secret)
RESET_PASSWORD = "/reset-password"  # noqa: S105 (a route, not a secret)
VERIFY_EMAIL = "/verify-email"
SETUP = "/setup"

AGENT_QUEUE = "/agent"
AGENT_TICKET = "/agent/tickets/[ticket_id]"
AGENT_STATS = "/agent/stats"
AGENT_MACROS = "/agent/macros"
PORTAL = "/portal"
PORTAL_NEW = "/portal/new"
PORTAL_CHAT = "/portal/chat"
PORTAL_TICKET = "/portal/tickets/[ticket_id]"
ADMIN_USERS = "/admin/users"
ADMIN_SSO = "/admin/sso"
ACCOUNT_SECURITY = "/account/security"
NOTIFICATIONS_OFF = "/notifications/off"


# Where the API serves a file attached to a ticket; message bodies may show these images and no others.
ATTACHMENT_FILE = "/api/v1/attachments/"


def attachment_file(attachment_id: int | str) -> str:
    return f"{ATTACHMENT_FILE}{attachment_id}"


# The same files for the pages (the session cookie is the credential), and where the editor uploads an image.
PAGE_FILE = "/api/files/"


def page_file(attachment_id: int | str) -> str:
    """An image shown in a page (inline, not downloaded)."""
    return f"{PAGE_FILE}{attachment_id}?preview=true"


def inline_image_upload(ticket_id: int | str) -> str:
    return f"{PAGE_FILE}tickets/{ticket_id}/images"


# A tutorial step's uploaded image or video, for the pages (the session cookie, if any, is the credential).
KB_MEDIA = "/api/kb/media/"
KB_MEDIA_UPLOAD = "/api/kb/media"  # the article editor posts a body's image here


def kb_media(media_id: int | str) -> str:
    return f"{KB_MEDIA}{media_id}"


ADMIN_API_KEYS = "/admin/api-keys"
ADMIN_WEBHOOKS = "/admin/webhooks"
ADMIN_MAILBOXES = "/admin/mailboxes"
ADMIN_TEAMS = "/admin/teams"
ADMIN_ROUTING = "/admin/routing"
ADMIN_AI = "/admin/ai"
ADMIN_DASHBOARDS = "/admin/dashboards"
ADMIN_AUDIT = "/admin/audit"
ADMIN_SETTINGS = "/admin/settings"
ACCOUNT_SESSIONS = "/account/sessions"

# The help centre (the knowledge base as customers and visitors read it) and the staff's knowledge base.
HELP = "/help"
HELP_CATEGORY = "/help/categories/[category]"
HELP_ARTICLE = "/help/articles/[article]"
AGENT_KB = "/agent/kb"
AGENT_KB_ARTICLE = "/agent/kb/articles/[article]"
# The editors' pages: a new article (or translation), a change, the version history, the missing translations.
AGENT_KB_NEW = "/agent/kb/new"
AGENT_KB_EDIT = "/agent/kb/articles/[article]/edit"
AGENT_KB_HISTORY = "/agent/kb/articles/[article]/history"
AGENT_KB_MISSING = "/agent/kb/translations"
AGENT_KB_CATEGORIES = "/agent/kb/categories"


def _article_ref(article_id: int | str, slug: str) -> str:
    # The id finds the article; the slug only makes the URL readable (an old slug still works).
    return f"{article_id}-{slug}" if slug else str(article_id)


def help_article(article_id: int | str, slug: str = "") -> str:
    return f"/help/articles/{_article_ref(article_id, slug)}"


def help_category(slug: str) -> str:
    return f"/help/categories/{slug}"


def agent_kb_article(article_id: int | str, slug: str = "") -> str:
    return f"/agent/kb/articles/{_article_ref(article_id, slug)}"


def agent_kb_article_edit(article_id: int | str) -> str:
    return f"/agent/kb/articles/{article_id}/edit"


def agent_kb_article_history(article_id: int | str) -> str:
    return f"/agent/kb/articles/{article_id}/history"


def agent_ticket(ticket_id: int | str) -> str:
    return f"/agent/tickets/{ticket_id}"


def portal_ticket(ticket_id: int | str) -> str:
    return f"/portal/tickets/{ticket_id}"


def reset_password_link(base_url: str, token: str) -> str:
    return f"{base_url}{RESET_PASSWORD}?token={token}"


def verify_email_link(base_url: str, token: str) -> str:
    return f"{base_url}{VERIFY_EMAIL}?token={token}"


def notifications_off_link(base_url: str, token: str) -> str:
    return f"{base_url}{NOTIFICATIONS_OFF}?token={token}"


# A notification mail's List-Unsubscribe URL: a mail client's one-click POST (RFC 8058), a browser's GET goes on
# to NOTIFICATIONS_OFF.
NOTIFICATIONS_ONE_CLICK_OFF = "/api/v1/notifications/off"


def notifications_one_click_off_link(base_url: str, token: str) -> str:
    return f"{base_url}{NOTIFICATIONS_ONE_CLICK_OFF}?token={token}"


def setup_link(base_url: str, code: str) -> str:
    return f"{base_url}{SETUP}?code={code}"


def home_for(role: str) -> str:
    """Where a signed-in user lands: customers in the portal, staff in the queue."""
    return PORTAL if role == "customer" else AGENT_QUEUE
