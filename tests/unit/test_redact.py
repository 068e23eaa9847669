"""redact(): secrets never reach logs or messages."""

from offlineimap_oauth import redact


def test_known_values_and_token_shapes_are_masked():
    redact.remember("my-client-secret-value")
    jwt = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJodHRwcyJ9.c2lnbmF0dXJl"
    opaque = "EwB" + "A" * 300
    text = ("secret my-client-secret-value jwt %s opaque %s "
            "body refresh_token=0.AAAAxyz&client_secret=abc123 "
            "json {\"access_token\": \"zzzzzz\"} header Authorization: Bearer qwerty123" % (jwt, opaque))
    out = redact.redact(text)
    for secret in ("my-client-secret-value", jwt, opaque, "0.AAAAxyz", "abc123", "zzzzzz", "qwerty123"):
        assert secret not in out
    assert "refresh_token=***" in out


def test_plain_text_survives():
    text = "GET /consumers/v2.0/.well-known/openid-configuration HTTP/1.1 200"
    assert redact.redact(text) == text
