"""The architecture of STYLE.md, checked: dependencies point one way."""

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "offlineimap_oauth"
HOT_PATH = ("cli.py", "errors.py", "paths.py", "accounts.py", "store.py", "hotpath.py",
            "offlineimap.py", "providers/__init__.py", "providers/google/__init__.py",
            "providers/google/cache.py", "providers/google/settings.py")


def modules():
    return sorted(PACKAGE.rglob("*.py"))


def imported(node):
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        return [node.module] + ["%s.%s" % (node.module, a.name) for a in node.names]
    return []


def top_level_imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [name for node in tree.body for name in imported(node)]


def all_imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [name for node in ast.walk(tree) for name in imported(node)]


def test_nothing_but_main_imports_the_cli():
    for path in modules():
        if path.name in ("cli.py", "__main__.py"):
            continue
        assert "offlineimap_oauth.cli" not in all_imports(path), path


def test_no_module_imports_offlineimap_at_top_level():
    for path in modules():
        names = top_level_imports(path)
        assert not [n for n in names if n == "offlineimap" or n.startswith("offlineimap.")], path


def test_hot_path_modules_import_no_third_party_library_at_top_level():
    for name in HOT_PATH:
        for imported_name in top_level_imports(PACKAGE / name):
            root = imported_name.split(".")[0]
            assert root not in ("msal", "requests", "filelock", "offlineimap", "keyring",
                                "gnupg", "secretstorage", "subprocess", "google",
                                "google_auth_oauthlib", "oauthlib", "requests_oauthlib"), (
                name, imported_name)
            assert not imported_name.startswith((
                "offlineimap_oauth.providers.google.client",
                "offlineimap_oauth.providers.google.flows",
                "offlineimap_oauth.providers.google.explain")), (name, imported_name)
            assert not imported_name.startswith("offlineimap_oauth.vault"), (name, imported_name)
            assert not imported_name.startswith("offlineimap_oauth.convert"), (name, imported_name)


def test_hot_path_reaches_the_vault_only_inside_functions():
    # token_store = gpg | keyring: the backends load only to refresh (or to
    # decrypt with plaintext_access_token = no), never on the cached path.
    for name in HOT_PATH:
        for imported_name in top_level_imports(PACKAGE / name):
            assert "vault" not in imported_name, (name, imported_name)
    for backend in ("gpg.py", "keyring.py", "__init__.py"):
        names = top_level_imports(PACKAGE / "vault" / backend)
        assert "keyring" not in names and "offlineimap_oauth.cli" not in names, (backend, names)
