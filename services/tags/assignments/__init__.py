"""Assignments: planning a change to one customer's tags, checking inputs, system tags fed by events."""
