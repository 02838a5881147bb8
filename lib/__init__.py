"""Small helpers that need no Django, each with its own tests in tests/lib/."""
