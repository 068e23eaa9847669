"""Finders: one module per setup style that holds a mailbox (see each module)."""
