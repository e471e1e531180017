"""Where the event stream's listeners are declared (see listeners.py)."""
