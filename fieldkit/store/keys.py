"""Device keys: the Ed25519 key pair each device that writes signs its chain of changes with.

The private key is a file of the user's (PEM, owner-only 0600; `$FIELDKIT_KEY` or a
command's `--key-file` name another, e.g. on a token), never in a database. Its public key
and the inspector's name enter the log as a change of the device's own chain, the first it
writes: the setting cell ('device', 'key', rkey = the device id) holding the public key as
64 hex digits, written by the inspector. A key is shown as its fingerprint: the first 32
hex digits (128 bits) of the SHA-256 of its 32 bytes.

A signature is Ed25519 over a context label and what is signed (a chain tip's 16-byte id,
a keyring row), so a signature made for one purpose never passes for another.
"""

from __future__ import annotations

import binascii
import hashlib
import os
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from fieldkit.errors import BadInput
from fieldkit.paths import config_dir

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

# cryptography is imported where a key is used, not with the store: opening the capture
# app (which signs only when it writes) does not wait for it (about 25 ms)

KEY_FILE = "device.key"
KEY_ENV = "FIELDKIT_KEY"
# The cell a device's public key is written to: record 'device', kind 'setting', field
# 'key', the device id as its repeat key (one cell per device, never a conflict).
KEY_RECORD = "device"
KEY_FIELD = "key"
TIP = b"fieldkit-tip\x00"
KEYRING = b"fieldkit-keyring\x00"


def fingerprint(public: bytes) -> str:
    """A public key as people compare and copy it: 32 hex digits."""
    return hashlib.sha256(public).hexdigest()[:32]


def key_path(explicit: Path | str | None = None) -> Path:
    """--key-file, else $FIELDKIT_KEY, else `device.key` in the per-user folder."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get(KEY_ENV)
    if env:
        return Path(env)
    return config_dir() / KEY_FILE


@dataclass(frozen=True)
class Signer:
    """A device's private key, loaded: what signs its chain tips and keyring decisions."""

    private: Ed25519PrivateKey
    public: bytes  # the 32 raw bytes
    path: Path

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public)

    @property
    def public_hex(self) -> str:
        return self.public.hex()

    def sign(self, context: bytes, message: bytes) -> bytes:
        return self.private.sign(context + message)


_loaded: dict[tuple[Path, int, int, int], Signer] = {}


def signer(explicit: Path | str | None = None, *, create: bool = True) -> Signer:
    """The key at key_path(explicit), made (owner-only, in an owner-only folder) if there
    is none and `create` is set. One clear line (BadInput) for a file that is not a key or
    that others may read."""
    path = key_path(explicit)
    try:
        st = path.stat()
    except FileNotFoundError:
        if not create:
            raise BadInput(f"{path}: no such key file") from None
        return _create(path)
    except OSError as e:
        raise BadInput(f"{path}: cannot read the key file ({e.strerror})") from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise BadInput(f"{path}: a private key others may read; make it owner-only (chmod 600)")
    # (the file as found now: another file there, or this one changed, is loaded anew)
    cached = _loaded.get((path, st.st_dev, st.st_ino, st.st_mtime_ns))
    if cached is not None:
        return cached
    try:
        private = _load_pem(path.read_bytes())
    except (ValueError, TypeError, OSError):
        raise BadInput(f"{path}: not a fieldkit device key (an unencrypted Ed25519 PEM)") from None
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if not isinstance(private, Ed25519PrivateKey):
        raise BadInput(f"{path}: not an Ed25519 key")
    loaded = Signer(private, _raw(private.public_key()), path)
    _loaded[(path, st.st_dev, st.st_ino, st.st_mtime_ns)] = loaded
    return loaded


# An unencrypted Ed25519 private key in PKCS#8 (RFC 8410), as _create writes it: this DER
# prefix, then the 32-byte seed (48 bytes in all, one line of base64 in the PEM).
_PKCS8_ED25519 = bytes.fromhex("302e020100300506032b657004220420")
_PEM_HEAD, _PEM_TAIL = b"-----BEGIN PRIVATE KEY-----", b"-----END PRIVATE KEY-----"


def _load_pem(pem: bytes) -> object:
    """The private key a PEM file holds. A device key as fieldkit writes it is read from
    its 32 bytes directly; anything else goes through cryptography's PEM loader, which
    reads every other form (and refuses what is not a key). The loader's module costs about
    30 ms to import, paid otherwise by the first answer saved after the app opens."""
    lines = pem.strip().splitlines()
    if len(lines) == 3 and lines[0].strip() == _PEM_HEAD and lines[2].strip() == _PEM_TAIL:
        try:
            der = binascii.a2b_base64(lines[1].strip(), strict_mode=True)
        except binascii.Error:
            der = b""
        if len(der) == 48 and der.startswith(_PKCS8_ED25519):
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

            return Ed25519PrivateKey.from_private_bytes(der[16:])
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_private_key(pem, password=None)


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes_raw()


def _create(path: Path) -> Signer:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made meanwhile by another process: use that one
        return signer(path, create=False)
    except OSError as e:
        raise BadInput(f"{path}: cannot write the key file ({e.strerror})") from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    os.chmod(path, 0o600)
    return signer(path, create=False)


def from_seed(seed: bytes, path: Path | str = "(derived)") -> Signer:
    """A key derived from 32 bytes (the demo's synthetic inspectors: the same seed, the
    same keys)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed).digest())
    return Signer(private, _raw(private.public_key()), Path(path))


@lru_cache(maxsize=4096)
def _public(raw: bytes) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return Ed25519PublicKey.from_public_bytes(raw)


def valid(public: object, context: bytes, message: bytes, signature: object) -> bool:
    """Does `signature` sign context + message with the 32-byte key `public`?"""
    if not (
        isinstance(public, bytes)
        and len(public) == 32
        and isinstance(signature, bytes)
        and len(signature) == 64
    ):
        return False
    from cryptography.exceptions import InvalidSignature

    try:
        _public(public).verify(signature, context + message)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_from_hex(text: object) -> bytes | None:
    """A key change's value as the key's 32 bytes (None if it is not one)."""
    if not isinstance(text, str) or len(text) != 64:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None
