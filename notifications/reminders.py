"""Reminders written by the periodic tick (not caused by a status change)."""


def reminders_create() -> dict:
    return {}
