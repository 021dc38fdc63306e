"""Who may open a served archive: unlisted by default, and a login when asked for.

``blogarchive serve`` is private and unlisted unless told otherwise:

- by default every response carries ``X-Robots-Tag: noindex, nofollow`` and ``/robots.txt``
  disallows everything (``public=True`` lifts both);
- with an :class:`AuthConfig` every page and every JSON/CSV/Atom endpoint needs a login
  (datasette-auth-passwords' ``/-/login`` form, or HTTP Basic for scripts);
- without a login and unless ``public``, the archive answers only to the names it is served
  under (:func:`host_allowed`: an IP address, ``localhost``, or a name given with
  ``--allow-host``): a web page whose own name is made to resolve to 127.0.0.1 (DNS
  rebinding) cannot read it from the reader's browser.

The password hash is never on the command line: it is read from an environment variable
(``BLOGARCHIVE_PASSWORD_HASH``) or a file, and handed to Datasette as ``{"$env": ...}`` or
``{"$file": ...}`` so it does not show in ``/-/metadata``. The enforcing code is the Datasette
plugin archive/plugins/access.py; this module only builds its configuration (no click).

    from pipeline.access import auth_from_environment, access_metadata, hash_password
    auth = auth_from_environment(os.environ, password_hash_file=None)
    metadata = access_metadata(public=False, auth=auth)
"""

from __future__ import annotations

import ipaddress
import math
import os
import time
from collections import deque
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasette_auth_passwords.utils import ALGORITHM
from datasette_auth_passwords.utils import hash_password as _hash_password

PASSWORD_HASH_ENV = "BLOGARCHIVE_PASSWORD_HASH"
DEFAULT_USER = "admin"
# failed logins from one client address before its logins are refused for a while
LOGIN_FAILURES_MAX = 10
LOGIN_FAILURE_SECONDS = 600
ACCESS_PLUGIN = "blogarchive-access"  # plugin configuration key read by archive/plugins/access.py
AUTH_PLUGIN = "datasette-auth-passwords"


class AccessError(ValueError):
    """The access configuration cannot be used (no hash, unreadable file, malformed hash)."""


@dataclass(frozen=True)
class AuthConfig:
    """One account: its user name, where its password hash is read from (env or file), and
    how many failed logins one client address gets (:class:`LoginThrottle`)."""

    user: str = DEFAULT_USER
    password_hash_env: str | None = PASSWORD_HASH_ENV
    password_hash_file: Path | None = None
    # failed logins from one address within `login_failure_seconds` before it must wait
    login_failures_max: int = LOGIN_FAILURES_MAX
    login_failure_seconds: int = LOGIN_FAILURE_SECONDS

    def secret(self) -> dict[str, str]:
        """The hash as a Datasette secret reference (resolved by Datasette, never printed)."""
        if self.password_hash_file is not None:
            return {"$file": str(self.password_hash_file)}
        return {"$env": str(self.password_hash_env)}


def hash_password(password: str) -> str:
    """A salted PBKDF2-SHA256 hash of `password`, in datasette-auth-passwords' format."""
    if not password:
        raise AccessError("the password is empty")
    return _hash_password(password)


def check_password_hash(value: str | None, where: str) -> str:
    """`value` stripped, if it looks like a hash `hash_password` makes; AccessError if not."""
    value = (value or "").strip()
    if not value:
        raise AccessError(f"no password hash in {where} (make one with: blogarchive hash-password)")
    parts = value.split("$")
    if len(parts) != 4 or parts[0] != ALGORITHM or not parts[1].isdigit():
        raise AccessError(
            f"{where} does not hold a password hash made by blogarchive hash-password "
            f"(expected {ALGORITHM}$ITERATIONS$SALT$HASH)"
        )
    return value


def auth_from_environment(
    environ: Mapping[str, str] | None = None,
    *,
    password_hash_file: str | Path | None = None,
    user: str = DEFAULT_USER,
) -> AuthConfig:
    """The login configuration for `serve --auth`, checked now rather than at the first login.

    A file (`password_hash_file`) wins over the environment variable BLOGARCHIVE_PASSWORD_HASH.
    """
    environ = os.environ if environ is None else environ
    if not user or any(c in user for c in "$:/ "):
        raise AccessError(f"invalid user name {user!r}")
    if password_hash_file is not None:
        path = Path(password_hash_file).resolve()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise AccessError(f"cannot read the password hash file {path}: {error}") from error
        check_password_hash(text, str(path))
        return AuthConfig(user=user, password_hash_env=None, password_hash_file=path)
    check_password_hash(environ.get(PASSWORD_HASH_ENV), f"${PASSWORD_HASH_ENV}")
    return AuthConfig(user=user, password_hash_env=PASSWORD_HASH_ENV)


class LoginThrottle:
    """Failed logins counted per client address: after `limit` failures within `seconds`, that
    address's logins are refused, unchecked, until the oldest of them is `seconds` old.

    A password guess costs the guesser one PBKDF2 check (~0.2 s) but the server the same CPU:
    without a limit, one client could try ~5 passwords a second per core and keep the
    archive's cores busy for everyone. With the defaults (10 in 10 minutes) a guesser gets 10
    tries, then one a minute. A right login clears its address's count. The address is the
    one uvicorn gives (a local reverse proxy's `X-Forwarded-For`, or the connection's): behind
    a proxy that does not pass it on, failures from anyone count together.

    At most `clients_max` addresses are remembered (the oldest are forgotten first), so a
    stream of addresses cannot grow it without bound.
    """

    def __init__(
        self,
        limit: int = LOGIN_FAILURES_MAX,
        seconds: float = LOGIN_FAILURE_SECONDS,
        *,
        clients_max: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or seconds <= 0:
            raise AccessError(
                f"a login limit needs at least 1 failure in > 0 s, not {limit}/{seconds}"
            )
        self.limit = limit
        self.seconds = seconds
        self.clients_max = clients_max
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, client: str) -> deque[float] | None:
        failures = self._failures.get(client)
        if failures is None:
            return None
        horizon = self.clock() - self.seconds
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            del self._failures[client]
            return None
        return failures

    def retry_after(self, client: str) -> int:
        """0 if `client` may try to log in now; otherwise the whole seconds it must wait."""
        failures = self._recent(client)
        if failures is None or len(failures) < self.limit:
            return 0
        return max(1, math.ceil(failures[0] + self.seconds - self.clock()))

    def failed(self, client: str) -> bool:
        """Count a failed login; True when this failure is the one that shuts `client` out."""
        failures = self._recent(client)
        if failures is None:
            if len(self._failures) >= self.clients_max:
                del self._failures[next(iter(self._failures))]
            failures = self._failures[client] = deque(maxlen=self.limit)
        failures.append(self.clock())
        return len(failures) == self.limit

    def succeeded(self, client: str) -> None:
        """A right login: `client`'s failures are forgotten."""
        self._failures.pop(client, None)


def host_name(host_header: str) -> str:
    """The name of an HTTP `Host` header: lower case, without its port or IPv6 brackets."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def check_host_names(names: Sequence[str]) -> tuple[str, ...]:
    """`names` (`serve --allow-host`) as host names, lower case; AccessError for one that is
    not a bare name (a URL, a path, a port)."""
    checked = []
    for name in names:
        value = name.strip().lower().rstrip(".")
        if not value or any(c in value for c in "/:@ \t") or not value.isascii():
            raise AccessError(
                f"--allow-host takes a host name such as archive.example.org, not {name!r}"
            )
        checked.append(value)
    return tuple(checked)


def host_allowed(host_header: str | None, allowed: Collection[str] = ()) -> bool:
    """Whether a request's `Host` is a name this archive is served under: an IP address (a
    browser that asks for an address has that address as its origin), `localhost` or a name
    under it, or one of `allowed`. Any other name is a page's own name resolving to this
    machine: DNS rebinding."""
    if host_header is None:
        return True  # no browser sends a request without a Host
    name = host_name(host_header).rstrip(".")
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    return name == "localhost" or name.endswith(".localhost") or name in allowed


def access_metadata(
    *, public: bool = False, auth: AuthConfig | None = None, hosts: Sequence[str] = ()
) -> dict[str, Any]:
    """Datasette metadata (top-level keys) that configures access for one served archive.

    Merged into the archive's metadata by pipeline.serving.make_datasette. `hosts`: the names
    (besides IP addresses and localhost) it answers to without a login. With `auth`, the
    instance-wide ``allow`` block admits only that account (Datasette's own permission checks),
    and archive/plugins/access.py refuses anonymous requests before they reach any view.
    """
    metadata: dict[str, Any] = {
        "plugins": {
            ACCESS_PLUGIN: {
                "public": bool(public),
                "auth": auth is not None,
                "hosts": list(check_host_names(hosts)),
            }
        }
    }
    if auth is not None:
        metadata["plugins"][ACCESS_PLUGIN]["user"] = auth.user
        metadata["plugins"][ACCESS_PLUGIN]["login_failures_max"] = auth.login_failures_max
        metadata["plugins"][ACCESS_PLUGIN]["login_failure_seconds"] = auth.login_failure_seconds
        metadata["plugins"][AUTH_PLUGIN] = {f"{auth.user}_password_hash": auth.secret()}
        metadata["allow"] = {"id": auth.user}
    return metadata
