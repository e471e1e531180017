"""Single sign-on with OpenID Connect: the providers admins set up, and signing people in through them.

The flow is the authorization code flow with PKCE (S256), a `state` and a `nonce`, all through authlib:
1. `start_sign_in` builds the provider's authorization URL and seals what the callback must check (state,
   nonce, the PKCE verifier, the page to return to) into a short-lived, encrypted cookie value, so that only
   the browser that started a sign-in can finish it.
2. `verify_callback` opens that cookie, compares the returned `state`, redeems the code at the token
   endpoint with the verifier, and validates the ID token (signature against the provider's JWKS, issuer,
   audience, expiry, nonce) with authlib's `CodeIDToken` over joserfc.
3. `sign_in` finds the account: the `UserIdentity` for (provider, sub); else, only for an e-mail address the
   provider says it verified and whose domain the provider allows, the account with that address (linked,
   and marked verified) or a new one with the provider's role for new users.

Secrets: a provider's client secret is stored sealed with Fernet under a key derived (HKDF-SHA256) from the
app's secret key, and leaves this module only towards the provider's token endpoint. Changing
`AUTOCRM_SECRET_KEY` makes the stored secrets unreadable: re-enter them on /admin/sso.

Network calls (discovery, token, JWKS, userinfo) take a read session at most, never a write transaction.
"""

from __future__ import annotations

import hmac
import json
import time
from dataclasses import dataclass
from datetime import datetime
from threading import Lock
from typing import Any
from urllib.parse import urlsplit

import httpx2
from authlib.common.security import generate_token, is_secure_transport
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from cryptography.fernet import Fernet, InvalidToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, func, select

from autocrm import routes
from autocrm.core.i18n import t
from autocrm.core.sealing import sealer
from autocrm.core.settings import get_settings
from autocrm.models import Role, SsoProvider, User, UserIdentity
from autocrm.models.base import utcnow
from autocrm.services import audit
from autocrm.services.actor import Actor
from autocrm.services.auth import EMAIL_RE, safe_return_path
from autocrm.services.errors import AuthenticationFailed, Conflict, NotFound, ValidationFailed
from autocrm.services.user_shapes import UserPublic

PENDING_COOKIE = "autocrm_sso"
PENDING_TTL_SECONDS = 600  # from the click on "Sign in with ..." to the provider sending the browser back
CALLBACK_PATH = "/api/sso/callback"
ROLES_FOR_NEW_USERS = (Role.customer, Role.agent)
SCOPE = "openid email profile"
HTTP_TIMEOUT_SECONDS = 10.0
DISCOVERY_CACHE_SECONDS = 300
ID_TOKEN_LEEWAY_SECONDS = 60

# Why a sign-in was refused, and what the login page says. The routes carry only the key in the URL, so no
# provider or attacker text ever reaches the page.
REFUSALS: dict[str, str] = {
    "expired": "This sign-in took too long or was started in another browser. Please try again.",
    "cancelled": "The sign-in was cancelled at the provider. Try again, or sign in with your password.",
    "provider": "The sign-in provider's answer could not be checked. Try again, or sign in with your password.",
    "unavailable": "That sign-in option is not available any more. Sign in with your password, or ask an admin.",
    "no_email": "The sign-in provider did not tell us your e-mail address, so we cannot sign you in with it.",
    "unverified": (
        "The sign-in provider has not confirmed that this e-mail address is yours, so we cannot sign you in "
        "with it. Confirm the address at the provider, or sign in with your password."
    ),
    "domain": "Accounts with that e-mail domain cannot sign in with this provider. Ask an admin for access.",
    "inactive": "This account is deactivated. Ask an admin to let you sign in again.",
}


class SsoRefused(AuthenticationFailed):
    """A sign-in through a provider that does not go through; `reason` is a key of REFUSALS."""

    def __init__(self, reason: str) -> None:
        super().__init__(REFUSALS[reason], {"reason": reason})
        self.reason = reason


def refusal_message(reason: str | None) -> str:
    return REFUSALS.get(reason or "", "")


# ---- shapes ----------------------------------------------------------------------------------------------


class SsoProviderPublic(BaseModel):
    """What an admin sees of a provider: never its client secret, only whether one is stored."""

    id: int
    name: str
    issuer: str
    client_id: str
    has_client_secret: bool
    allowed_domains: list[str]
    new_user_role: Role
    enabled: bool
    linked_accounts: int
    updated_at: datetime


class SsoButton(BaseModel):
    """What the login page shows of an enabled provider."""

    id: int
    name: str


class SsoProviderInput(BaseModel):
    """An admin's add or edit. An empty `client_secret` on an edit keeps the stored one; on an add it makes a
    public client (PKCE only, no secret)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    issuer: str
    client_id: str
    client_secret: str = ""
    allowed_domains: list[str] = []
    new_user_role: Role = Role.customer
    enabled: bool = True


@dataclass(frozen=True)
class Discovery:
    """The parts of a provider's `/.well-known/openid-configuration` the flow uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    token_auth_methods: tuple[str, ...]
    signing_algorithms: tuple[str, ...] | None


@dataclass(frozen=True)
class PendingSignIn:
    provider_id: int
    state: str
    nonce: str
    code_verifier: str
    next_path: str


@dataclass(frozen=True)
class VerifiedSignIn:
    """What a provider vouched for, after every check of its ID token."""

    provider_id: int
    subject: str
    email: str
    email_verified: bool
    name: str
    next_path: str


# ---- sealing -----------------------------------------------------------------------------------------


def _fernet(purpose: str) -> Fernet:
    return sealer(purpose)


def _seal_secret(secret: str) -> str:
    return _fernet("sso-client-secret").encrypt(secret.encode()).decode() if secret else ""


def _open_secret(sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return _fernet("sso-client-secret").decrypt(sealed.encode()).decode()
    except InvalidToken:
        # The secret key changed since the admin saved it: the provider refuses us until it is re-entered.
        return ""


def _seal_pending(pending: PendingSignIn) -> str:
    payload = {
        "p": pending.provider_id,
        "s": pending.state,
        "n": pending.nonce,
        "v": pending.code_verifier,
        "next": pending.next_path,
    }
    return _fernet("sso-pending").encrypt(json.dumps(payload).encode()).decode()


def _open_pending(sealed: str) -> PendingSignIn:
    try:
        payload = json.loads(_fernet("sso-pending").decrypt((sealed or "").encode(), ttl=PENDING_TTL_SECONDS))
        return PendingSignIn(
            provider_id=int(payload["p"]),
            state=str(payload["s"]),
            nonce=str(payload["n"]),
            code_verifier=str(payload["v"]),
            next_path=str(payload["next"]),
        )
    except (InvalidToken, ValueError, KeyError, TypeError) as exc:
        raise SsoRefused("expired") from exc


# ---- discovery ---------------------------------------------------------------------------------------

_discovered: dict[str, tuple[float, Discovery]] = {}
_discovered_lock = Lock()


def callback_url() -> str:
    """The redirect URI to register at the provider."""
    return f"{get_settings().base_url.rstrip('/')}{CALLBACK_PATH}"


def _http() -> httpx2.Client:
    return httpx2.Client(timeout=HTTP_TIMEOUT_SECONDS, follow_redirects=False)


def _issuer_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, {"issuer": message})


def _clean_issuer(issuer: str) -> str:
    issuer = (issuer or "").strip()
    parts = urlsplit(issuer)
    if not issuer or len(issuer) > 500 or not parts.hostname or parts.query or parts.fragment:
        raise _issuer_error("Enter the provider's issuer URL, like https://login.example.com/realms/staff.")
    if not is_secure_transport(issuer):
        raise _issuer_error("The issuer URL must start with https:// (plain http only for a provider on this machine).")
    return issuer


def fetch_discovery(issuer: str) -> Discovery:
    """Reads the provider's discovery document; a clear ValidationFailed on `issuer` when it cannot."""
    issuer = _clean_issuer(issuer)
    url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    try:
        with _http() as client:
            response = client.get(url)
        response.raise_for_status()
        document = response.json()
    except httpx2.HTTPError as exc:
        raise _issuer_error(f"Could not read {url} ({type(exc).__name__}). Check the issuer URL.") from exc
    except ValueError as exc:
        raise _issuer_error(f"{url} did not answer with a discovery document. Check the issuer URL.") from exc
    if not isinstance(document, dict):
        raise _issuer_error(f"{url} did not answer with a discovery document. Check the issuer URL.")
    said = str(document.get("issuer") or "")
    if said.rstrip("/") != issuer.rstrip("/"):
        raise _issuer_error(f"The provider calls itself {said or 'nothing'!r}, not {issuer!r}: use its own issuer.")
    missing = [key for key in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not document.get(key)]
    if missing:
        raise _issuer_error(f"The provider's discovery document lacks {', '.join(missing)}.")
    if "code" not in (document.get("response_types_supported") or ["code"]):
        raise _issuer_error("The provider does not offer the authorization code flow.")
    methods = document.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        raise _issuer_error("The provider does not support PKCE with S256.")
    algorithms = document.get("id_token_signing_alg_values_supported")
    discovery = Discovery(
        issuer=said,
        authorization_endpoint=str(document["authorization_endpoint"]),
        token_endpoint=str(document["token_endpoint"]),
        jwks_uri=str(document["jwks_uri"]),
        userinfo_endpoint=str(document["userinfo_endpoint"]) if document.get("userinfo_endpoint") else None,
        token_auth_methods=tuple(document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]),
        signing_algorithms=tuple(a for a in algorithms if a != "none") if algorithms else None,
    )
    with _discovered_lock:
        _discovered[issuer] = (time.monotonic(), discovery)
    return discovery


def _discovery_for_sign_in(issuer: str) -> Discovery:
    with _discovered_lock:
        cached = _discovered.get(issuer)
    if cached and time.monotonic() - cached[0] < DISCOVERY_CACHE_SECONDS:
        return cached[1]
    try:
        return fetch_discovery(issuer)
    except ValidationFailed as exc:
        raise SsoRefused("provider") from exc


def forget_discoveries() -> None:
    """Drops cached discovery documents (tests start a new provider per case)."""
    with _discovered_lock:
        _discovered.clear()


# ---- admin -------------------------------------------------------------------------------------------


def _public(session: Session, provider: SsoProvider) -> SsoProviderPublic:
    linked = session.exec(
        select(func.count()).select_from(UserIdentity).where(UserIdentity.provider_id == provider.id)
    ).one()
    return SsoProviderPublic(
        id=provider.id or 0,
        name=provider.name,
        issuer=provider.issuer,
        client_id=provider.client_id,
        has_client_secret=bool(provider.client_secret_sealed),
        allowed_domains=list(provider.allowed_domains),
        new_user_role=provider.new_user_role,
        enabled=provider.enabled,
        linked_accounts=linked,
        updated_at=provider.updated_at,
    )


def list_providers(session: Session, *, actor: Actor) -> list[SsoProviderPublic]:
    actor.require_admin()
    rows = session.exec(select(SsoProvider).order_by(col(SsoProvider.name)))
    return [_public(session, row) for row in rows]


def enabled_providers(session: Session) -> list[SsoButton]:
    """The providers the login page offers: anyone may see their names."""
    rows = session.exec(select(SsoProvider).where(col(SsoProvider.enabled).is_(True)).order_by(col(SsoProvider.name)))
    return [SsoButton(id=row.id or 0, name=row.name) for row in rows]


def clean_domains(domains: list[str] | str) -> list[str]:
    """Allowed e-mail domains from a list or from what an admin typed (commas, spaces or lines)."""
    if isinstance(domains, str):
        domains = domains.replace(",", " ").split()
    cleaned: list[str] = []
    for raw in domains:
        domain = raw.strip().lower().lstrip("@")
        if not domain:
            continue
        if len(domain) > 200 or not EMAIL_RE.match(f"x@{domain}"):
            message = f"{raw.strip()!r} is not an e-mail domain. Write domains like example.com."
            raise ValidationFailed(message, {"allowed_domains": message})
        if domain not in cleaned:
            cleaned.append(domain)
    return cleaned


def validated_input(data: SsoProviderInput) -> SsoProviderInput:
    """`data` cleaned, or every field's refusal at once (no network: the issuer is `check_issuer`'s)."""
    errors: dict[str, str] = {}
    name = " ".join(data.name.split())
    if not name or len(name) > 80 or not name.isprintable():
        errors["name"] = "Give the provider a name of 1 to 80 characters, like “Company Google”."
    client_id = data.client_id.strip()
    if not client_id or len(client_id) > 255 or not client_id.isprintable():
        errors["client_id"] = "Enter the client ID the provider gave this app."
    if len(data.client_secret) > 1000 or (data.client_secret and not data.client_secret.isprintable()):
        errors["client_secret"] = "The client secret is 1 to 1000 printable characters."  # noqa: S105 (a message)
    if data.new_user_role not in ROLES_FOR_NEW_USERS:
        errors["new_user_role"] = "New people from a provider become customers or agents (admins are made by hand)."
    domains: list[str] = []
    try:
        domains = clean_domains(data.allowed_domains)
    except ValidationFailed as exc:
        errors.update(exc.details)
    if data.new_user_role == Role.agent and not domains and "allowed_domains" not in errors:
        errors["allowed_domains"] = (
            "List your company's domains: without them anyone with an account at the provider would become an agent."
        )
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors)
    return data.model_copy(update={"name": name, "client_id": client_id, "allowed_domains": domains})


def check_issuer(*, actor: Actor, issuer: str) -> Discovery:
    """An admin's issuer, checked by fetching its discovery document (before any write transaction)."""
    actor.require_admin()
    return fetch_discovery(issuer)


def _require_discovery(data: SsoProviderInput, discovery: Discovery) -> None:
    if discovery.issuer.rstrip("/") != data.issuer.strip().rstrip("/"):
        raise ValidationFailed(t("Check the issuer again."), {"issuer": "Check the issuer again."})


def _name_taken(session: Session, name: str, but: int | None = None) -> None:
    clash = session.exec(select(SsoProvider.id).where(func.lower(SsoProvider.name) == name.lower())).first()
    if clash is not None and clash != but:
        message = "Another provider has this name."
        raise Conflict(message, {"name": message})


def create_provider(
    session: Session, *, actor: Actor, data: SsoProviderInput, discovery: Discovery
) -> SsoProviderPublic:
    """A new provider; `discovery` comes from `check_issuer(issuer=data.issuer)`."""
    actor.require_admin()
    data = validated_input(data)
    _require_discovery(data, discovery)
    _name_taken(session, data.name)
    provider = SsoProvider(
        name=data.name,
        issuer=discovery.issuer,
        client_id=data.client_id,
        client_secret_sealed=_seal_secret(data.client_secret),
        allowed_domains=data.allowed_domains,
        new_user_role=data.new_user_role,
        enabled=data.enabled,
    )
    session.add(provider)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="sso_provider.create",
        object_type="sso_provider",
        object_id=provider.id,
        changes={
            "name": (None, provider.name),
            "issuer": (None, provider.issuer),
            "client_id": (None, provider.client_id),
            "client_secret": (None, "***" if data.client_secret else ""),
            "allowed_domains": (None, provider.allowed_domains),
            "new_user_role": (None, provider.new_user_role),
            "enabled": (None, provider.enabled),
        },
    )
    return _public(session, provider)


def _provider(session: Session, provider_id: int) -> SsoProvider:
    provider = session.get(SsoProvider, provider_id) if 0 < provider_id < 2**31 else None
    if provider is None:
        raise NotFound(t("That sign-in provider does not exist."))
    return provider


def update_provider(
    session: Session, *, actor: Actor, provider_id: int, data: SsoProviderInput, discovery: Discovery
) -> SsoProviderPublic:
    actor.require_admin()
    provider = _provider(session, provider_id)
    data = validated_input(data)
    _require_discovery(data, discovery)
    _name_taken(session, data.name, but=provider.id)
    before = provider.model_dump(include={"name", "issuer", "client_id", "allowed_domains", "new_user_role", "enabled"})
    provider.name, provider.issuer, provider.client_id = data.name, discovery.issuer, data.client_id
    provider.allowed_domains, provider.new_user_role, provider.enabled = (
        data.allowed_domains,
        data.new_user_role,
        data.enabled,
    )
    after = provider.model_dump(include=set(before))
    changes = audit.diff(before, after)
    if data.client_secret:
        provider.client_secret_sealed = _seal_secret(data.client_secret)
        changes["client_secret"] = ("***", "***")
    provider.updated_at = utcnow()
    session.add(provider)
    audit.record(
        session,
        actor=actor,
        action="sso_provider.update",
        object_type="sso_provider",
        object_id=provider.id,
        changes=changes,
    )
    return _public(session, provider)


def set_provider_enabled(session: Session, *, actor: Actor, provider_id: int, enabled: bool) -> SsoProviderPublic:
    """Turns a provider on or off; off hides its button and refuses its sign-ins at once."""
    actor.require_admin()
    provider = _provider(session, provider_id)
    if provider.enabled != enabled:
        audit.record(
            session,
            actor=actor,
            action="sso_provider.update",
            object_type="sso_provider",
            object_id=provider.id,
            changes={"enabled": (provider.enabled, enabled)},
        )
        provider.enabled, provider.updated_at = enabled, utcnow()
        session.add(provider)
    return _public(session, provider)


# ---- signing in --------------------------------------------------------------------------------------


def _enabled_provider(session: Session, provider_id: int) -> SsoProvider:
    provider = session.get(SsoProvider, provider_id) if 0 < provider_id < 2**31 else None
    if provider is None or not provider.enabled:
        raise SsoRefused("unavailable")
    return provider


def _client(provider: SsoProvider, discovery: Discovery) -> OAuth2Client:
    secret = _open_secret(provider.client_secret_sealed)
    if not secret:
        method = "none"
    elif "client_secret_basic" in discovery.token_auth_methods:
        method = "client_secret_basic"
    else:
        method = "client_secret_post"
    return OAuth2Client(
        client_id=provider.client_id,
        client_secret=secret or None,
        token_endpoint_auth_method=method,
        scope=SCOPE,
        redirect_uri=callback_url(),
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT_SECONDS,
    )


def start_sign_in(session: Session, *, provider_id: int, next_path: str = "") -> tuple[str, str]:
    """(the provider's authorization URL, the sealed value for the PENDING_COOKIE)."""
    provider = _enabled_provider(session, provider_id)
    discovery = _discovery_for_sign_in(provider.issuer)
    pending = PendingSignIn(
        provider_id=provider.id or 0,
        state=generate_token(32),
        nonce=generate_token(32),
        code_verifier=generate_token(64),
        next_path=safe_return_path(next_path),
    )
    with _client(provider, discovery) as client:
        url, _state = client.create_authorization_url(
            discovery.authorization_endpoint,
            state=pending.state,
            code_verifier=pending.code_verifier,
            nonce=pending.nonce,
        )
    return url, _seal_pending(pending)


def _validated_claims(
    client: OAuth2Client, provider: SsoProvider, discovery: Discovery, token: dict[str, Any], nonce: str
) -> dict[str, Any]:
    id_token = token.get("id_token")
    if not id_token:
        raise SsoRefused("provider")
    try:
        response = client.request("GET", discovery.jwks_uri, withhold_token=True)
        response.raise_for_status()
        keys = KeySet.import_key_set(response.json())
        decoded = jwt.decode(
            id_token, keys, registry=JWSRegistry(algorithms=list(discovery.signing_algorithms or ["RS256"]))
        )
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {
                "iss": {"essential": True, "value": discovery.issuer},
                "aud": {"essential": True, "value": provider.client_id},
            },
            {"nonce": nonce, "client_id": provider.client_id, "access_token": token.get("access_token")},
        )
        claims.validate(leeway=ID_TOKEN_LEEWAY_SECONDS)
    except (JoseError, httpx2.HTTPError, ValueError, TypeError) as exc:
        raise SsoRefused("provider") from exc
    return dict(claims)


def _with_userinfo(client: OAuth2Client, discovery: Discovery, claims: dict[str, Any]) -> dict[str, Any]:
    """Claims from the userinfo endpoint when the ID token leaves the e-mail out (allowed by the spec);
    only for the same subject."""
    if claims.get("email") or not discovery.userinfo_endpoint:
        return claims
    try:
        response = client.get(discovery.userinfo_endpoint)
        response.raise_for_status()
        info = response.json()
    except (httpx2.HTTPError, ValueError) as exc:
        raise SsoRefused("provider") from exc
    if not isinstance(info, dict) or info.get("sub") != claims.get("sub"):
        raise SsoRefused("provider")
    return {**info, **claims, **{k: info[k] for k in ("email", "email_verified", "name") if k in info}}


def verify_callback(session: Session, *, sealed: str, state: str, code: str, error: str = "") -> VerifiedSignIn:
    """The provider's answer, checked: the browser's sealed cookie, `state`, the code at the token endpoint
    (with the PKCE verifier), and the ID token."""
    pending = _open_pending(sealed)
    if not state or not hmac.compare_digest(state.encode(), pending.state.encode()):
        raise SsoRefused("expired")
    if error:
        raise SsoRefused("cancelled" if error == "access_denied" else "provider")
    if not code:
        raise SsoRefused("provider")
    provider = _enabled_provider(session, pending.provider_id)
    discovery = _discovery_for_sign_in(provider.issuer)
    with _client(provider, discovery) as client:
        try:
            token = client.fetch_token(discovery.token_endpoint, code=code, code_verifier=pending.code_verifier)
        except (OAuthError, httpx2.HTTPError, ValueError, KeyError) as exc:
            raise SsoRefused("provider") from exc
        claims = _with_userinfo(
            client, discovery, _validated_claims(client, provider, discovery, dict(token), pending.nonce)
        )
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:  # OpenID Connect caps `sub` at 255
        raise SsoRefused("provider")
    verified = claims.get("email_verified")
    return VerifiedSignIn(
        provider_id=provider.id or 0,
        subject=subject,
        email=str(claims.get("email") or "").strip().lower(),
        # Some providers send the JSON string "true"; anything else is not a confirmation.
        email_verified=verified is True or (isinstance(verified, str) and verified.lower() == "true"),
        name=str(claims.get("name") or "").strip(),
        next_path=pending.next_path,
    )


def _display_name(name: str, email: str) -> str:
    name = " ".join(name.split())[:200]
    return name if name and name.isprintable() else email.split("@", 1)[0][:200]


def sign_in(session: Session, *, verified: VerifiedSignIn) -> UserPublic:
    """The account a verified sign-in belongs to (linked or made if the rules allow), audited."""
    from autocrm.services.users import create_user

    provider = _enabled_provider(session, verified.provider_id)
    now = utcnow()
    identity = session.exec(
        select(UserIdentity).where(UserIdentity.provider_id == provider.id, UserIdentity.subject == verified.subject)
    ).first()
    user: User | None
    if identity is not None:
        user = session.get(User, identity.user_id)
        via = "identity"
    else:
        email = verified.email
        if not email or len(email) > 254 or not EMAIL_RE.match(email):
            raise SsoRefused("no_email")
        if not verified.email_verified:
            raise SsoRefused("unverified")
        if provider.allowed_domains and email.rsplit("@", 1)[1] not in provider.allowed_domains:
            raise SsoRefused("domain")
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None:
            made = create_user(
                session,
                actor=Actor.system(f"sso:{provider.id}"),
                email=email,
                name=_display_name(verified.name, email),
                role=provider.new_user_role,
            )
            user = session.get(User, made.id)
            via = "created"
        else:
            via = "linked"
        if user is not None and user.is_active:
            if user.email_verified_at is None:
                # The provider vouched for the address: the account's owner is proved to read mail there.
                user.email_verified_at = now
            identity = UserIdentity(
                provider_id=provider.id or 0, subject=verified.subject, user_id=user.id or 0, email=email
            )
            session.add(identity)
            session.flush()
            audit.record(
                session,
                actor=Actor.system(f"sso:{provider.id}"),
                action="sso_identity.link",
                object_type="user",
                object_id=user.id,
                changes={
                    "provider": (None, provider.name),
                    "subject": (None, verified.subject),
                    "email": (None, email),
                },
            )
    if user is None or not user.is_active:
        raise SsoRefused("inactive")
    assert identity is not None  # noqa: S101 (found or made above; for the type checker)
    identity.last_login_at = now
    user.last_login_at = now
    session.add_all([identity, user])
    audit.record(
        session,
        actor=Actor.for_user(user),
        action="auth.sso_login",
        object_type="user",
        object_id=user.id,
        changes={"provider": (None, provider.name), "via": (None, via)},
    )
    return UserPublic.model_validate(user)


def landing_path(user: UserPublic, next_path: str) -> str:
    """Where a signed-in user goes: the page they asked for when it is theirs to see, else their home."""
    target = safe_return_path(next_path)
    if target.startswith(routes.LOGIN):
        target = ""
    is_customer = user.role == Role.customer
    if target and is_customer != target.startswith(routes.PORTAL):
        target = ""
    return target or routes.home_for(user.role.value)
