"""A throw-away PKI for the signing tests: a CA, a signer issued by it, and the odd broken key file.

Everything is made with ``cryptography`` into a folder the caller gives (usually pytest's
``tmp_path``); each function returns the paths it wrote.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

PASSPHRASE = b"correct horse battery staple 7!"
SIGNER_CN = "Dana Ruiz, Quality Manager"


@dataclass(frozen=True)
class Authority:
    """A CA: its key, its certificate and where the certificate was written as PEM."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    pem: Path


@dataclass(frozen=True)
class SignerFiles:
    """A signer's PKCS#12 file, the passphrase protecting it, and the CA that issued it."""

    p12: Path
    passphrase: bytes
    ca: Authority
    cert: x509.Certificate


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Binder Test Ltd"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


@cache
def _rsa_key(role: str) -> rsa.RSAPrivateKey:
    """One 2048-bit RSA key per role (a CA's name, the TSA) for the whole test session: making one
    takes ~70 ms, and what the tests tell apart is certificates and CAs, never two keys of one role."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def make_ca(folder: Path, name: str = "Binder Test Root CA", filename: str = "ca.pem") -> Authority:
    """A self-signed CA certificate (CA=true, keyCertSign) valid for ten years, written as PEM."""
    key = _rsa_key(name)
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(_name(name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    pem = folder / filename
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return Authority(key, cert, pem)


def issue_signer(
    ca: Authority,
    *,
    cn: str = SIGNER_CN,
    expired: bool = False,
    not_yet_valid: bool = False,
    non_repudiation: bool = True,
    url: str = "",
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A signing certificate (digitalSignature + nonRepudiation) issued by ``ca``; with ``url``, it names it as its
    OCSP responder, its issuer's certificate and its CRL (where a validator that fetches would go)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    if expired:
        start, end = now - dt.timedelta(days=400), now - dt.timedelta(days=35)
    elif not_yet_valid:
        start, end = now + dt.timedelta(days=30), now + dt.timedelta(days=400)
    else:
        start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=365)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=non_repudiation,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
    )
    if url:
        where = x509.UniformResourceIdentifier(url)
        cert = cert.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(x509.AuthorityInformationAccessOID.OCSP, where),
                    x509.AccessDescription(x509.AuthorityInformationAccessOID.CA_ISSUERS, where),
                ]
            ),
            critical=False,
        ).add_extension(x509.CRLDistributionPoints([x509.DistributionPoint([where], None, None, None)]), critical=False)
    return key, cert.sign(ca.key, hashes.SHA256())


def _encryption(passphrase: bytes | None, realistic: bool) -> serialization.KeySerializationEncryption:
    """AES-256 with one KDF round, unless ``realistic``: a real file's ~20,000 rounds cost ~10 ms per
    opening, and the tests open key files ~100 times; a wrong passphrase still fails the MAC either way."""
    if not passphrase:
        return serialization.NoEncryption()
    if realistic:
        return serialization.BestAvailableEncryption(passphrase)
    return (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(1)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(passphrase)
    )


def make_signer(
    folder: Path,
    *,
    expired: bool = False,
    not_yet_valid: bool = False,
    passphrase: bytes | None = PASSPHRASE,
    ca: Authority | None = None,
    filename: str = "signer.p12",
    non_repudiation: bool = True,
    realistic: bool = False,
    url: str = "",
) -> SignerFiles:
    """A CA (unless given) and a signer key + certificate + CA chain as a PKCS#12 file.

    ``realistic`` encrypts it as cryptography's best available encryption does (as real key files are).
    """
    ca = ca or make_ca(folder)
    key, cert = issue_signer(ca, expired=expired, not_yet_valid=not_yet_valid, non_repudiation=non_repudiation, url=url)
    encryption = _encryption(passphrase, realistic)
    data = pkcs12.serialize_key_and_certificates(SIGNER_CN.encode(), key, cert, [ca.cert], encryption)
    p12 = folder / filename
    p12.write_bytes(data)
    return SignerFiles(p12, passphrase or b"", ca, cert)


def make_key_without_cert(folder: Path, passphrase: bytes = PASSPHRASE) -> Path:
    """A PKCS#12 file holding a private key and no certificate at all."""
    key = ec.generate_private_key(ec.SECP256R1())
    data = pkcs12.serialize_key_and_certificates(b"orphan", key, None, None, _encryption(passphrase, False))
    path = folder / "keyonly.p12"
    path.write_bytes(data)
    return path


def make_other_ca(folder: Path) -> Authority:
    """A second CA that issued nothing we sign with: trusting only it leaves signatures untrusted."""
    return make_ca(folder, name="Unrelated Test Root CA", filename="other-ca.pem")


def issue_tsa(ca: Authority) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A timestamping authority certificate (critical timeStamping EKU) issued by ``ca``.

    RSA because pyHanko's test timestamper signs with RSA only.
    """
    key = _rsa_key("TSA")
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Binder Test TSA"))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    return key, cert
