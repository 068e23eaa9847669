"""Fakes for tests: a test CA (tls), a simulated Microsoft identity platform
(idp), a BROWSER stand-in (browser) and pytest fixtures (fixtures)."""
