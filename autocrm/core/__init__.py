"""Infrastructure every layer may use: settings, database, security helpers. Imports nothing else of ours."""
