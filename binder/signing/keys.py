"""The signing key: reading a PKCS#12 file and checking its certificate can sign documents today.
Owns reading and opening the PKCS#12 file, the certificate's validity-period and key-usage
checks, and ``load_signer``, which turns the file and passphrase bytes into a pyHanko signer.
Prompting for the passphrase is the CLI's business: this module takes the bytes (or None) and
never reads the environment or a terminal. It may import cryptography, asn1crypto and pyHanko,
and from binder only ``binder.errors``, ``binder.files``, ``binder.model`` and other
``binder.signing`` modules; never click, never rich.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography import x509 as pyca_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from binder.errors import FileProblem, SigningError

PASSPHRASE_ENV = "BINDER_KEY_PASSPHRASE"
"""Where the CLI looks for the passphrase; named in messages so people know what to set."""


def _read_pkcs12(key: Path) -> bytes:
    if not key.is_file():
        raise FileProblem(str(key), "key file not found", "give a PKCS#12 file (.p12 or .pfx)")
    try:
        data = key.read_bytes()
    except OSError as exc:
        raise FileProblem(str(key), f"cannot read the key file: {exc.strerror}") from None
    if not _looks_like_pkcs12(data):
        raise FileProblem(
            str(key), "not a PKCS#12 key file", "give a .p12 or .pfx file holding the key and certificate"
        )
    return data


def _looks_like_pkcs12(data: bytes) -> bool:
    """True when the bytes parse as a PKCS#12 PFX structure (before any decryption)."""
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native is not None
    except Exception:  # asn1crypto raises many kinds for garbage input
        return False


def _check_validity(cert: pyca_x509.Certificate, key: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    who = _common_name(cert)
    if cert.not_valid_after_utc < now:
        raise SigningError(f"{key}: the certificate of {who} expired on {_day(cert.not_valid_after_utc)}")
    if cert.not_valid_before_utc > now:
        raise SigningError(f"{key}: the certificate of {who} is not valid until {_day(cert.not_valid_before_utc)}")


def _check_key_usage(cert: pyca_x509.Certificate, key: Path) -> None:
    """pyHanko's validators (and so ``binder verify``) want nonRepudiation on a document signer."""
    try:
        usage = cert.extensions.get_extension_for_class(pyca_x509.KeyUsage).value
        allowed = usage.content_commitment
    except pyca_x509.ExtensionNotFound:
        allowed = False
    if not allowed:
        raise SigningError(
            f"{key}: the certificate of {_common_name(cert)} is not for signing documents"
            " (its key usage lacks nonRepudiation, also called contentCommitment)"
        )


def _common_name(cert: pyca_x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(pyca_x509.oid.NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def _day(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _try_open(data: bytes, passphrase: bytes | None):
    """(private key, certificate, other certificates), or None when this passphrase does not open the file."""
    try:
        return pkcs12.load_key_and_certificates(data, passphrase)
    except ValueError:
        return None


def _open_pkcs12(key: Path, data: bytes, passphrase: bytes | None):
    """(private key, certificate, other certificates)."""
    # an unprotected file opens only without a passphrase, whatever the environment holds
    for attempt in (passphrase, None) if passphrase else (None,):
        opened = _try_open(data, attempt)
        if opened is not None:
            return opened
    raise SigningError(f"wrong passphrase for {key} (set {PASSPHRASE_ENV} or type it at the prompt)")


def needs_passphrase(key: Path) -> bool:
    """Whether the PKCS#12 file is protected (opens only with a passphrase).

    Raises ``FileProblem`` for a missing or non-PKCS#12 file, as ``load_signer`` does.
    """
    return _try_open(_read_pkcs12(Path(key)), None) is None


def load_signer(key: Path, passphrase: bytes | None) -> signers.SimpleSigner:
    """A pyHanko signer from a PKCS#12 file, after checking the certificate is usable today.

    Raises ``FileProblem`` for a missing or non-PKCS#12 file and ``SigningError`` for a wrong
    passphrase, a file without a certificate, a certificate outside its validity period or
    one without the nonRepudiation key usage.
    The passphrase never appears in a message.
    """
    key = Path(key)
    data = _read_pkcs12(key)
    private_key, cert, others = _open_pkcs12(key, data, passphrase)
    if cert is None:
        raise SigningError(
            f"{key}: the PKCS#12 file holds no certificate; it needs the signer's certificate with the key"
        )
    if private_key is None:
        raise SigningError(f"{key}: the PKCS#12 file holds no private key")
    _check_validity(cert, key)
    _check_key_usage(cert, key)
    try:
        return _signer(private_key, cert, others)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"{key}: cannot use this key for signing ({type(exc).__name__})") from None


def _signer(private_key, cert: pyca_x509.Certificate, others: list[pyca_x509.Certificate]) -> signers.SimpleSigner:
    """The signer from the key and certificates already opened: as pyHanko's ``load_pkcs12_data``
    builds it, without decrypting the file (thousands of KDF rounds) a second time."""
    der = serialization.Encoding.DER
    key_info = asn1_keys.PrivateKeyInfo.load(
        private_key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    registry = SimpleCertificateStore()
    registry.register_multiple(asn1_x509.Certificate.load(other.public_bytes(der)) for other in others)
    return signers.SimpleSigner(
        signing_key=key_info, signing_cert=asn1_x509.Certificate.load(cert.public_bytes(der)), cert_registry=registry
    )
