"""Channel adapters: servers that receive customers' messages and hand them to the services."""
