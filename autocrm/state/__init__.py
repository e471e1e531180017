"""Reflex states: thin adapters from UI events to `autocrm.services`. They hold public shapes only."""
