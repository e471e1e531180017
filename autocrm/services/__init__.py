"""Every business rule, role check and audit entry. Plain Python over SQLModel sessions:
no Reflex, no FastAPI. The UI states and the REST API are thin adapters over these modules."""
