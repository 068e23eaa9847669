"""Short-lived access tokens (an organisation's 10-minute token lifetime):
the refresh margin shrinks with the lifetime, so many callers still cause
one refresh, not one each."""

import json
import time

CALLERS = 16


def age_stored_token(cli, left, lifetime):
    """Make the stored access token one with ``left`` s of ``lifetime`` s left."""
    path = cli.state / "outlook.json"
    state = json.loads(path.read_text())
    now = int(time.time())
    for entry in state["msal"]["AccessToken"].values():
        entry["expires_on"] = str(now + left)
        entry["cached_at"] = str(now + left - lifetime)
    path.write_text(json.dumps(state))
    (cli.state / "outlook.token").unlink(missing_ok=True)


def test_many_callers_with_ten_minute_tokens_cause_one_refresh(cli, idp):
    idp.access_token_lifetime = 600
    assert cli.login_paste("outlook").returncode == 0
    age_stored_token(cli, left=200, lifetime=600)  # inside its 5-minute margin
    idp.reset_counts()
    callers = [cli.popen("token", "outlook") for _ in range(CALLERS)]
    results = [caller.communicate(timeout=90) for caller in callers]
    assert all(caller.returncode == 0 for caller in callers), [err for _, err in results]
    assert len({out for out, _ in results}) == 1
    assert idp.counts["refresh_token"] == 1


def test_a_ten_minute_token_is_served_until_five_minutes_are_left(cli, idp):
    idp.access_token_lifetime = 600
    assert cli.login_paste("outlook").returncode == 0
    age_stored_token(cli, left=310, lifetime=600)
    idp.reset_counts()
    assert cli.token("outlook").returncode == 0
    assert idp.counts["refresh_token"] == 0
    age_stored_token(cli, left=290, lifetime=600)
    assert cli.token("outlook").returncode == 0
    assert idp.counts["refresh_token"] == 1
