"""A throw-away certificate authority for tests.

Offers :class:`TestCA`: a CA key and certificate written to a directory,
server certificates for 127.0.0.1 issued on demand, a CA bundle that adds the
test CA to the system roots, and server-side ``ssl.SSLContext`` objects.

Why a bundle and not just the CA file: these machines export
``REQUESTS_CA_BUNDLE`` globally, and requests then ignores a ``verify=``
handed to MSAL; tests point ``REQUESTS_CA_BUNDLE`` at :attr:`TestCA.bundle_path`
so that both the fakes and any real host stay verifiable.
"""

import datetime
import ipaddress
import itertools
import os
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SYSTEM_ROOTS = "/etc/ssl/certs/ca-certificates.crt"  # Debian's bundle
VALIDITY = datetime.timedelta(days=4)  # a test session, with room to spare
BACKDATE = datetime.timedelta(hours=1)  # tolerate clock skew between processes
KEY_BITS = 2048

__all__ = ["TestCA", "SYSTEM_ROOTS"]


def _new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def _name(common_name):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "offlineimap-oauth tests"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _validity(builder):
    now = datetime.datetime.now(datetime.timezone.utc)
    return builder.not_valid_before(now - BACKDATE).not_valid_after(now + VALIDITY)


def _write(path, data, mode=0o600):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


def _key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption())


def _cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def _subject_alt_names(cn):
    names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
             x509.DNSName("localhost")]
    try:
        ip = ipaddress.ip_address(cn)
    except ValueError:
        if cn != "localhost":
            names.append(x509.DNSName(cn))
    else:
        if str(ip) != "127.0.0.1":
            names.append(x509.IPAddress(ip))
    return x509.SubjectAlternativeName(names)


class TestCA:
    """A certificate authority living in ``directory``.

    Attributes: ``directory``, ``ca_cert_path``, ``ca_key_path``,
    ``bundle_path`` (system roots, when present, plus this CA).
    """

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, directory):
        self.directory = os.fspath(directory)
        os.makedirs(self.directory, exist_ok=True)
        self._serial = itertools.count(2)
        self._key = _new_key()
        self._cert = self._build_ca_cert()
        self.ca_cert_path = _write(
            os.path.join(self.directory, "ca.pem"), _cert_pem(self._cert), 0o644)
        self.ca_key_path = _write(
            os.path.join(self.directory, "ca.key"), _key_pem(self._key))
        self.bundle_path = self._write_bundle()

    def _build_ca_cert(self):
        name = _name("offlineimap-oauth test CA")
        public = self._key.public_key()
        builder = _validity(x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(public).serial_number(1)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False,
                key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public),
                           critical=False))
        return builder.sign(self._key, hashes.SHA256())

    def _write_bundle(self):
        roots = b""
        if os.path.exists(SYSTEM_ROOTS):
            with open(SYSTEM_ROOTS, "rb") as f:
                roots = f.read()
            if roots and not roots.endswith(b"\n"):
                roots += b"\n"
        return _write(os.path.join(self.directory, "bundle.pem"),
                      roots + _cert_pem(self._cert), 0o644)

    def issue_server_cert(self, cn="127.0.0.1"):
        """Issue a server certificate; return ``(cert_path, key_path)``.

        The subject CN is ``cn`` (offlineimap checks the CN and ignores IP
        subject-alt-names); SANs are IP:127.0.0.1 and DNS:localhost.
        """
        key = _new_key()
        serial = next(self._serial)
        builder = _validity(x509.CertificateBuilder()
            .subject_name(_name(cn)).issuer_name(self._cert.subject)
            .public_key(key.public_key()).serial_number(serial)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False,
                key_encipherment=True, data_encipherment=False,
                key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(_subject_alt_names(cn), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self._key.public_key()), critical=False))
        cert = builder.sign(self._key, hashes.SHA256())
        stem = os.path.join(self.directory, "server-%d" % serial)
        cert_path = _write(stem + ".pem", _cert_pem(cert), 0o644)
        key_path = _write(stem + ".key", _key_pem(key))
        return cert_path, key_path

    def server_context(self, cert_path, key_path):
        """A server-side ``ssl.SSLContext`` presenting that certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        return context

    def client_context(self):
        """A client-side ``ssl.SSLContext`` trusting only this CA."""
        return ssl.create_default_context(cafile=self.ca_cert_path)
