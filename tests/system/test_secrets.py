"""No client secret, refresh or access token in any output, even at -v,
except token's stdout."""

from tests.support import OUTLOOK, wait_for_file


def test_verbose_outputs_hold_no_secret(cli, idp):
    idp.access_token_lifetime = 300  # token refreshes, so MSAL logs a refresh
    outputs = []
    process = cli.popen("-v", "login", "outlook", "--flow", "paste")
    landed = wait_for_file(cli.landed)
    out, err = process.communicate(landed + "\n", timeout=60)
    assert process.returncode == 0, err
    outputs += [out, err]
    token = cli.run("-v", "token", "outlook")
    assert token.returncode == 0, token.stderr
    outputs.append(token.stderr)  # stdout holds the token by design
    idp.revoke(OUTLOOK["user"])
    failed = cli.run("-v", "token", "outlook")
    assert failed.returncode == 4
    outputs += [failed.stdout, failed.stderr]
    for args in (("-v", "status"), ("-v", "logout", "outlook")):
        result = cli.run(*args)
        outputs += [result.stdout, result.stderr]
    text = "\n".join(outputs)
    assert "DEBUG" in text and "/oauth2/v2.0/token" in text  # the logs were really on
    secrets = [OUTLOOK["secret"], token.stdout.strip()] + idp.secrets_seen()
    assert len(secrets) > 5
    for secret in secrets:
        assert secret not in text
