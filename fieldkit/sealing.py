"""Sealed files: encrypted to the team's keys in the `age` format (https://age-encryption.org),
through pyrage (the Rust implementation's bindings): no cryptography of fieldkit's own.

A team lead makes an identity once (`make_identity`: an `AGE-SECRET-KEY-1…` file, in the
layout `age-keygen` writes) and hands its public recipient (`age1…`) to the inspectors.
Anything fieldkit writes for a stick (a pack, a workbook, a progress update) can then be
sealed to it (`write_sealed`): the plaintext is written only into a private temporary folder
on this machine, never beside the output, and the output appears whole or not at all. The
standard `age -d -i team.key` reads what it writes, so the data never depends on fieldkit
to be read.

A base module: it imports nothing of fieldkit's but its errors and `files`."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pyrage
from pyrage import x25519

from fieldkit.errors import BadInput
from fieldkit.files import replace_privately

# The first bytes of an age file: binary, or armored (`age -a`).
_HEADERS = (b"age-encryption.org/v1\n", b"-----BEGIN AGE ENCRYPTED FILE-----")
# The private folders fieldkit makes (plaintext while it seals or opens a file).
_PRIVATE = ("fieldkit-sealed-", "fieldkit-packs-")
_SECRET = "AGE-SECRET-KEY-1"
_PUBLIC = "age1"


def is_sealed(path: Path) -> bool:
    """Does `path` begin as an age file does? (False for anything unreadable: whoever reads
    it next says why.)"""
    try:
        with open(path, "rb") as fh:
            head = fh.read(max(len(h) for h in _HEADERS))
    except OSError:
        return False
    return head.startswith(_HEADERS)


def plain_name(path: Path) -> Path:
    """The name a sealed file's content goes by: `findings.xlsx.age` holds `findings.xlsx`
    (a name without `.age` is its own)."""
    return path.with_suffix("") if path.suffix.lower() == ".age" else path


# ------------------------------------------------------------------------------ keys
def make_identity(path: Path) -> str:
    """Write a new age identity to `path` (owner-only; an existing file is refused, never
    replaced) and return its public recipient (`age1…`)."""
    identity = x25519.Identity.generate()
    public = str(identity.to_public())
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = f"# created: {created}\n# public key: {public}\n{identity}\n"
    if path.is_dir():
        raise BadInput(f"{path}: is a folder; name the key file to write")
    if not path.parent.is_dir():
        raise BadInput(f"{path.parent}: no such folder")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BadInput(f"{path}: already exists; a key is never written over") from None
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return public


def _key_lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not a text file of age keys") from None
    except OSError as e:
        raise BadInput(f"{path}: {e.strerror or e}") from None
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            yield number, line


def load_identities(path: Path) -> list[x25519.Identity]:
    """The age identities (`AGE-SECRET-KEY-1…` lines) in a key file, e.g. `team.key`."""
    found = []
    for number, line in _key_lines(path):
        try:
            found.append(x25519.Identity.from_str(line))
        except pyrage.IdentityError:
            raise BadInput(f"{path}, line {number}: not an age identity") from None
    if not found:
        raise BadInput(f"{path}: holds no age identity (AGE-SECRET-KEY-1…)")
    return found


def recipients(specs: Sequence[str]) -> list[x25519.Recipient]:
    """Whom to seal for: each an age recipient (`age1…`), or a file of them (one a line, as
    `age -R` reads), or an identity file (sealed for its public key, as `age -i` does).
    Anything else is refused in one line, before anything is written."""
    found: list[x25519.Recipient] = []
    for spec in specs:
        if spec.startswith(_PUBLIC) and not Path(spec).exists():
            try:
                found.append(x25519.Recipient.from_str(spec))
            except pyrage.RecipientError:
                raise BadInput(f"--to {spec}: not a valid age recipient") from None
            continue
        path, before = Path(spec), len(found)
        if not path.is_file():
            raise BadInput(f"--to {spec}: neither an age recipient (age1…) nor a file of them")
        for number, line in _key_lines(path):
            try:
                if line.startswith(_SECRET):
                    found.append(x25519.Identity.from_str(line).to_public())
                else:
                    found.append(x25519.Recipient.from_str(line))
            except (pyrage.RecipientError, pyrage.IdentityError):
                raise BadInput(
                    f"{path}, line {number}: not an age recipient (age1…) or identity"
                ) from None
        if len(found) == before:
            raise BadInput(f"{path}: holds no age recipient")
    return found


# ----------------------------------------------------------------------- sealing, opening
@contextmanager
def private_folder(prefix: str = "fieldkit-sealed-") -> Iterator[Path]:
    """A temporary folder only this user can enter (0700), removed with all it holds when
    the block ends, however it ends (an error, Ctrl-C). Its name holds this process's id:
    what a process killed outright left (plaintext) is removed by the next one."""
    for kind in {prefix, *_PRIVATE}:
        _remove_abandoned(kind)
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-"))
    try:
        os.chmod(folder, 0o700)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _remove_abandoned(prefix: str) -> None:
    """Remove this user's private folders whose process is gone (killed outright)."""
    if os.name != "posix":  # (os.kill(pid, 0) would end the process on Windows)
        return
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*-*"):
        pid = folder.name[len(prefix) :].split("-", 1)[0]
        try:
            mine = folder.is_dir() and folder.stat().st_uid == os.getuid()
        except OSError:
            continue
        if mine and pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's, or no way to tell: leave it alone
        return True
    return True


def write_sealed(path: Path, to: Sequence[x25519.Recipient], write: Callable[[Path], None]) -> Path:
    """Make `path` (owner-only, atomically) from what `write(plain)` puts in the file
    `plain`: sealed for every recipient in `to`, the plaintext only ever in a private
    temporary folder (removed however this ends); with no recipient, `path` as written."""
    if not to:
        return replace_privately(path, write)
    with private_folder() as folder:
        plain = folder / plain_name(path).name
        write(plain)
        return replace_privately(path, lambda sealed: _encrypt(plain, sealed, to))


def _encrypt(plain: Path, sealed: Path, to: Sequence[x25519.Recipient]) -> None:
    try:
        pyrage.encrypt_file(str(plain), str(sealed), list(to))
    except pyrage.EncryptError as e:
        raise BadInput(f"{sealed}: could not be sealed ({e})") from None


def open_sealed(path: Path, identities: Sequence[x25519.Identity], plain: Path) -> None:
    """Decrypt the sealed file `path` into `plain` (a new owner-only file, which the caller
    keeps in a private folder). A file none of the identities opens is refused in one line
    naming `path`."""
    fd = os.open(plain, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    try:
        pyrage.decrypt_file(str(path), str(plain), list(identities))
    except pyrage.DecryptError as e:
        plain.unlink(missing_ok=True)
        if "no matching keys" in str(e).lower():
            raise BadInput(
                f"{path}: sealed for another key; this identity cannot open it"
            ) from None
        raise BadInput(f"{path}: a damaged sealed file ({e})") from None
    except OSError as e:
        plain.unlink(missing_ok=True)
        if e.errno is None:  # (the stream's own: a truncated or altered file)
            raise BadInput(f"{path}: a damaged sealed file ({e})") from None
        raise BadInput(f"{path}: {e.strerror or e}") from None
