"""SASL XOAUTH2, as Microsoft and Google define it for IMAP and SMTP.

https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth
"""

import base64


def sasl_string(user: str, token: str) -> bytes:
    """The raw initial client response: user=..^Aauth=Bearer ..^A^A."""
    return ("user=%s\x01auth=Bearer %s\x01\x01" % (user, token)).encode("utf-8")


def sasl_base64(user: str, token: str) -> str:
    """The initial response base64-encoded, as SMTP AUTH and IMAP send it."""
    return base64.b64encode(sasl_string(user, token)).decode("ascii")


def jwt_claims(token: str):
    """The claims of a JWT access token (unverified), or None for opaque tokens.

    Work-account tokens for outlook.office.com are JWTs; personal-account
    tokens are opaque, so None is normal there.
    """
    import json

    parts = token.split(".")
    if len(parts) != 3 or not token.startswith("eyJ"):
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        return json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, TypeError):
        return None
