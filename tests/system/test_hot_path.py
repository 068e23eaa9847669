"""The cached-token path stays light: no MSAL, HTTP stack, argparse or
converter is imported when a stored token serves."""

import subprocess
import sys

HEAVY = ("msal", "requests", "urllib3", "argparse", "filelock", "http", "ssl",
         "offlineimap_oauth.providers.microsoft.app", "offlineimap_oauth.providers.microsoft.flows", "offlineimap_oauth.convert")

PROBE = """
import sys
from offlineimap_oauth.cli import main
code = main(["token", "outlook"])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {0!r} or m in {0!r})
sys.stderr.write("HEAVY=%s\\n" % ",".join(heavy))
sys.exit(code)
"""


def probe(cli):
    heavy_roots = tuple(sorted(set(HEAVY)))
    result = subprocess.run([sys.executable, "-c", PROBE.format(heavy_roots)], env=cli.env,
                            capture_output=True, text=True, timeout=60)
    line = [l for l in result.stderr.splitlines() if l.startswith("HEAVY=")][-1]
    return result, [m for m in line[len("HEAVY="):].split(",") if m]


def test_cached_token_imports_nothing_heavy(cli, idp):
    assert cli.login_paste("outlook").returncode == 0
    result, heavy = probe(cli)
    assert result.returncode == 0 and result.stdout.strip()
    assert heavy == []


def test_probe_can_see_msal_when_a_refresh_is_needed(cli, idp):
    idp.access_token_lifetime = 300  # stale: the refresh path runs
    assert cli.login_paste("outlook").returncode == 0
    result, heavy = probe(cli)
    assert result.returncode == 0
    assert "msal" in heavy and "offlineimap_oauth.providers.microsoft.app" in heavy
