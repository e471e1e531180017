"""The role groups that gate pages and label authors.

The rule of who is staff belongs to the users service: issue 12 adds a constant there (branch hc-accounts).
When it lands, these names come from it; states and pages keep importing them from here.
"""

STAFF = ("agent", "admin")
ADMIN = ("admin",)
CUSTOMER = ("customer",)
