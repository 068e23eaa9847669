"""A Google account's stored token, read without Google's libraries."""

from offlineimap_oauth.providers.google import cache, settings

CLIENT_ID = "123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com"
ACCOUNT = settings.validate("gmail", {"user": "me@gmail.com", "client_id": CLIENT_ID,
                                      "client_secret": "GOCSPX-abc"})[0]
NOW = 1_800_000_000


def state(issued=NOW, lifetime=3599, **changes):
    record = cache.stored_state(ACCOUNT, {"access_token": "ya29.A", "refresh_token": "1//R",
                                          "expires_in": lifetime}, issued, login=True)
    record["google"].update(changes)
    return record


def test_fresh_token_serves_until_ten_minutes_before_expiry():
    assert cache.cached_token(state(), ACCOUNT, NOW + 60) == ("ya29.A", NOW + 3599 - 600)
    assert cache.cached_token(state(), ACCOUNT, NOW + 2999) == ("ya29.A", NOW + 2999)
    assert cache.cached_token(state(), ACCOUNT, NOW + 3000) is None


def test_short_tokens_get_half_their_lifetime_but_at_least_five_minutes_margin():
    assert cache.cached_token(state(lifetime=900), ACCOUNT, NOW) == ("ya29.A", NOW + 900 - 450)
    assert cache.cached_token(state(lifetime=300), ACCOUNT, NOW + 1) is None


def test_tokens_of_other_settings_or_providers_never_serve():
    other = settings.validate("gmail", {"user": "other@gmail.com", "client_id": CLIENT_ID,
                                        "client_secret": "GOCSPX-abc"})[0]
    assert cache.cached_token(state(), other, NOW) is None
    microsoft = {"account": dict(ACCOUNT.binding(), provider="microsoft"), "msal": {}}
    assert cache.cached_token(microsoft, ACCOUNT, NOW) is None
    assert cache.cached_token(None, ACCOUNT, NOW) is None
    assert cache.cached_token(state(expires_on="soon"), ACCOUNT, NOW) is None
    assert cache.cached_token(state(access_token=None), ACCOUNT, NOW) is None


def test_a_refresh_keeps_the_refresh_token_google_did_not_rotate():
    before = state()
    after = cache.stored_state(ACCOUNT, {"access_token": "ya29.B", "expires_in": 3599},
                               NOW + 4000, previous=before)
    assert after["google"]["refresh_token"] == "1//R"
    assert after["google"]["access_token"] == "ya29.B"
    assert after["login_at"] == NOW and after["renewed_at"] == NOW + 4000


def test_a_login_replaces_everything_including_a_microsoft_cache():
    previous = {"account": {"user": "x"}, "msal": {"RefreshToken": {}}, "login_at": 1}
    fresh = cache.stored_state(ACCOUNT, {"access_token": "ya29.C", "refresh_token": "1//N",
                                         "expires_in": 3599, "scope": ["https://mail.google.com/"]},
                               NOW, previous=previous, login=True)
    assert "msal" not in fresh and fresh["login_at"] == NOW
    assert fresh["google"]["scope"] == "https://mail.google.com/"
    assert fresh["account"] == ACCOUNT.binding()


def test_a_testing_apps_refresh_token_expiry_is_kept_across_refreshes():
    login = cache.stored_state(ACCOUNT, {"access_token": "ya29.A", "refresh_token": "1//R",
                                         "expires_in": 3599,
                                         "refresh_token_expires_in": 604799}, NOW, login=True)
    assert cache.refresh_expires_on(login) == NOW + 604799
    later = cache.stored_state(ACCOUNT, {"access_token": "ya29.B", "expires_in": 3599},
                               NOW + 5000, previous=login)
    assert cache.refresh_expires_on(later) == NOW + 604799
    assert cache.refresh_expires_on(state()) is None


def test_status_lines_show_expiry_and_warn_before_a_7_day_login_dies():
    from offlineimap_oauth.providers.google import status

    login = cache.stored_state(ACCOUNT, {"access_token": "ya29.A", "refresh_token": "1//R",
                                         "expires_in": 3599,
                                         "refresh_token_expires_in": 7 * 86400}, NOW, login=True)
    lines = status.token_lines(ACCOUNT, login, NOW + 60)
    assert "valid until" in lines[0] and "58 min left" in lines[0]
    assert "7-day logins" in lines[1] and "WARNING" not in lines[1]
    lines = status.token_lines(ACCOUNT, login, NOW + 6 * 86400)
    assert "expired" in lines[0] and "WARNING: run offlineimap-oauth login gmail" in lines[1]
    assert "ya29" not in "".join(lines) and "1//R" not in "".join(lines)
    assert status.token_lines(ACCOUNT, None, NOW)[1].endswith("login gmail")


def test_the_hot_path_serves_a_google_token_from_googles_record():
    from offlineimap_oauth import hotpath

    assert hotpath.cached_token(state(), ACCOUNT, NOW + 60) == ("ya29.A", NOW + 3599 - 600)
    assert hotpath.cached_token(state(), ACCOUNT, NOW + 60, margin=60) == ("ya29.A", NOW + 3539)
    assert hotpath.cached_token(state(), ACCOUNT, NOW + 3000) is None


def test_the_hot_path_serves_a_stored_google_token_without_asking_google(tmp_path):
    from offlineimap_oauth import hotpath
    from offlineimap_oauth.store import TokenStore

    store = TokenStore(str(tmp_path / "state"))
    with store.locked("gmail", timeout=5):
        signature = store.save("gmail", state())
    assert hotpath.serve(ACCOUNT, store, now=lambda: NOW + 60) == (
        "ya29.A", NOW + 3599 - 600, signature)
    assert hotpath.access_token(ACCOUNT, store, now=lambda: NOW + 60) == ("ya29.A", NOW + 2999)
