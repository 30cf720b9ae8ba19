"""The TLS certificate nginx serves: the configured one (PROD_TLS_CERT, PROD_TLS_KEY), else a
self-signed one made here with `cryptography` (already in the lock file: Rasa needs it) and
kept under the profile's folder until it nears its end. Browsers warn about a self-signed
certificate; clients that should trust it (the tests, `make bench-prod`) are given the file.
"""
from __future__ import annotations

import datetime
import ipaddress
import os
from pathlib import Path

#: days a self-signed certificate lasts, and how close to its end a new one is made
VALID_DAYS = 365
RENEW_DAYS = 30


def ensure_certificate(folder: Path, host: str, cert: str | None = None,
                       key: str | None = None) -> tuple[Path, Path]:
    """(certificate, key) to serve: the configured pair, else the self-signed pair in
    `folder` for `host` (plus localhost and 127.0.0.1), made when missing, expiring or for
    another host."""
    if cert or key:
        if not (cert and key):
            raise ValueError("set both PROD_TLS_CERT and PROD_TLS_KEY, or neither")
        for path in (cert, key):
            if not Path(path).is_file():
                raise FileNotFoundError(f"TLS file not found: {path}")
        return Path(cert), Path(key)
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "selfsigned.crt", folder / "selfsigned.key"
    if not _usable(cert_path, key_path, host):
        _make_self_signed(cert_path, key_path, host)
    return cert_path, key_path


def _names(host: str) -> list[str]:
    return list(dict.fromkeys([host, "localhost", "127.0.0.1"]))


def _usable(cert_path: Path, key_path: Path, host: str) -> bool:
    if not (cert_path.is_file() and key_path.is_file()):
        return False
    from cryptography import x509

    try:
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except (ValueError, x509.ExtensionNotFound):
        return False
    listed = {str(n) for n in names.value.get_values_for_type(x509.DNSName)}
    listed |= {str(n) for n in names.value.get_values_for_type(x509.IPAddress)}
    ends = certificate.not_valid_after_utc if hasattr(certificate, "not_valid_after_utc") \
        else certificate.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=RENEW_DAYS)
    return set(_names(host)) <= listed and ends > soon


def _make_self_signed(cert_path: Path, key_path: Path, host: str) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "intake bot (self-signed)")])
    alternative = []
    for name in _names(host):
        try:
            alternative.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternative.append(x509.DNSName(name))
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        # its own authority, so a client can trust exactly this file (requests' verify=)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
