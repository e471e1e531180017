"""The role groups that gate pages and label authors, as the role strings a session carries.

Who is staff is the service layer's rule (`models.enums.STAFF_ROLES`); these names are derived from it.
"""

from autocrm.models.enums import STAFF_ROLES, Role

STAFF: tuple[str, ...] = tuple(role.value for role in STAFF_ROLES)
ADMIN: tuple[str, ...] = (Role.admin.value,)
CUSTOMER: tuple[str, ...] = (Role.customer.value,)
