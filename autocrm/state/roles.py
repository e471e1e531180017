"""The role groups that gate pages and label authors, as the role strings a session carries.

Who is staff is the service layer's rule (`models.enums.STAFF_ROLES`); these names are derived from it.
"""

from autocrm.core.i18n import N_
from autocrm.models.enums import STAFF_ROLES, Role

STAFF: tuple[str, ...] = tuple(role.value for role in STAFF_ROLES)
ADMIN: tuple[str, ...] = (Role.admin.value,)
CUSTOMER: tuple[str, ...] = (Role.customer.value,)
# What each role is called on screen (msgids: translate with t() or tr() where shown).
ROLE_LABELS: dict[str, str] = {
    Role.admin.value: N_("Admin"),
    Role.agent.value: N_("Agent"),
    Role.customer.value: N_("Customer"),
}
