"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from autocrm.models.accounts import DeskSetting, EmailVerification, TicketVerificationHold
from autocrm.models.ai import AiCacheEntry, AiCall, TicketVector
from autocrm.models.alerts import AlertRule
from autocrm.models.audit import AuditEntry
from autocrm.models.coverage import AgentProfile, TeamShift, TeamShiftMember, TicketRouting
from autocrm.models.email import EmailMailbox, InboundMail, InboundStatus, MailboxSecurity
from autocrm.models.enums import Availability, Balancing, CallDirection, Channel, CustomFieldType, Role, StatusCategory
from autocrm.models.events import EventRecord, Job, JobStatus
from autocrm.models.inbox import InboxNotification
from autocrm.models.kb import (
    KbArticle,
    KbArticleMedia,
    KbArticleVersion,
    KbCategory,
    KbChunk,
    KbDeflection,
    KbFeedback,
    KbIndexState,
    KbMedia,
    KbTutorialProgress,
)
from autocrm.models.macros import Macro, MacroVersion
from autocrm.models.mfa import MfaCredential, MfaRecoveryCode, MfaRoleRequirement
from autocrm.models.notifications import OutboundMailRecord
from autocrm.models.presence import TicketWork
from autocrm.models.routing import RoutingRule
from autocrm.models.sla import BusinessCalendar, SlaPolicy, TicketSla
from autocrm.models.sso import SsoProvider, UserIdentity
from autocrm.models.tickets import (
    Attachment,
    CallLog,
    Counter,
    CustomFieldDefinition,
    Message,
    SatisfactionRating,
    Ticket,
    TicketPriority,
    TicketStatus,
    TicketTag,
)
from autocrm.models.users import (
    AgentSkill,
    ApiKey,
    LoginSession,
    Organization,
    PasswordResetToken,
    Skill,
    Team,
    TeamMembership,
    User,
)
from autocrm.models.views import BulkJob, BulkStatus, SavedView, ViewVisibility
from autocrm.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookSubscription

__all__ = [
    "AlertRule",
    "AiCacheEntry",
    "AiCall",
    "AgentProfile",
    "AgentSkill",
    "ApiKey",
    "Attachment",
    "CallDirection",
    "CallLog",
    "AuditEntry",
    "Availability",
    "Balancing",
    "BulkJob",
    "BulkStatus",
    "BusinessCalendar",
    "Channel",
    "Counter",
    "CustomFieldDefinition",
    "CustomFieldType",
    "DeliveryStatus",
    "DeskSetting",
    "EmailMailbox",
    "EmailVerification",
    "EventRecord",
    "InboundMail",
    "InboundStatus",
    "InboxNotification",
    "TicketWork",
    "Job",
    "JobStatus",
    "KbArticle",
    "KbArticleMedia",
    "KbArticleVersion",
    "KbCategory",
    "KbChunk",
    "KbDeflection",
    "KbFeedback",
    "KbIndexState",
    "KbMedia",
    "KbTutorialProgress",
    "LoginSession",
    "Macro",
    "MacroVersion",
    "MailboxSecurity",
    "Message",
    "MfaCredential",
    "MfaRecoveryCode",
    "MfaRoleRequirement",
    "Organization",
    "OutboundMailRecord",
    "PasswordResetToken",
    "Role",
    "RoutingRule",
    "SatisfactionRating",
    "SavedView",
    "Skill",
    "SlaPolicy",
    "SsoProvider",
    "StatusCategory",
    "Team",
    "TeamMembership",
    "TeamShift",
    "TeamShiftMember",
    "Ticket",
    "TicketPriority",
    "TicketRouting",
    "TicketSla",
    "TicketStatus",
    "TicketTag",
    "TicketVector",
    "TicketVerificationHold",
    "User",
    "UserIdentity",
    "ViewVisibility",
    "WebhookDelivery",
    "WebhookSubscription",
]
