"""check's token-claims step: a token for another resource than Outlook fails."""

import base64
import io
import json

from offlineimap_oauth import accounts
from offlineimap_oauth.diagnose import Report, _claims_step
from offlineimap_oauth.errors import EXIT_CONFIG

CONF = """[account work]
user = me@contoso.com
client_id = 11111111-2222-3333-4444-555555555555
tenant = organizations
"""


def jwt(**claims):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return "%s.%s.c2ln" % (part({"alg": "RS256", "typ": "JWT"}), part(claims))


def run(token):
    account = accounts.parse(CONF, "/home/me/accounts.conf")["work"]
    out = io.StringIO()
    report = Report(out)
    user = _claims_step(account, token, report)
    return report, out.getvalue(), user


def test_graph_audience_fails_with_the_scopes_line_to_write():
    report, out, user = run(jwt(aud="https://graph.microsoft.com", upn="me@contoso.com",
                                scp="IMAP.AccessAsUser.All SMTP.Send"))
    assert report.exit_codes == [EXIT_CONFIG]
    assert "[FAIL] token audience https://graph.microsoft.com is not Outlook's" in out
    assert "scopes = https://outlook.office.com/IMAP.AccessAsUser.All" in out
    assert user == "me@contoso.com"


def test_outlook_audiences_pass():
    for audience in ("https://outlook.office.com", "https://outlook.office365.com/",
                     "00000002-0000-0ff1-ce00-000000000000"):
        report, out, _ = run(jwt(aud=audience, upn="me@contoso.com",
                                 scp="IMAP.AccessAsUser.All SMTP.Send POP.AccessAsUser.All"))
        assert report.failed == [], out


def test_opaque_token_has_no_user():
    assert run("EwBAAl3BAAUFFpUAo7J3Ve0bjLBWZWCclRC3EoAA")[2] is None
