"""Serve an archive database with Datasette, configured from the repository's archive/ folder.

archive/ follows Datasette's configuration-directory conventions (metadata.yml, settings.json,
templates/, plugins/, static/), but it is never handed to Datasette as a configuration
directory: Datasette would then also serve every ``*.db`` file it holds. Each part is passed
explicitly instead, exactly as the equivalent ``datasette serve`` command line would::

    from pipeline.serving import make_datasette, serve, serve_command_args
    ds = make_datasette("archive/archive.db")          # a datasette.app.Datasette
    serve("archive/archive.db", port=8001)             # foreground, until Ctrl-C
    serve_command_args("archive/archive.db")           # ["datasette", "serve", ...]

The database is opened mutable (not ``-i``/immutable): the crawler writes to it while
Datasette serves it. Only a read-only copy, whose file and folder this user cannot write, is
opened immutable: SQLite cannot make the ``-shm`` file a WAL reader needs, and no writer
running as this user can be changing it (as for ``blogarchive search``, see
store._connect_readonly). The per-database configuration does not depend on the file's name (see
archive/metadata.yml and archive/plugins/blogarchive_site.py).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import uvicorn
import yaml
from datasette.app import DEFAULT_SETTINGS, Datasette
from datasette.utils import BadMetadataError, parse_metadata

from pipeline.access import AuthConfig, access_metadata
from pipeline.store import is_writable

ARCHIVE_DIR: Path = Path(__file__).resolve().parents[1] / "archive"

# Datasette's own precedence when it reads a configuration directory.
METADATA_FILES = ("metadata.json", "metadata.yaml", "metadata.yml")
STATIC_MOUNT = "static"

# `blogarchive serve --publish-ready`: what a public deployment needs on top of
# archive/settings.json. Readers keep the tables, facets, search and canned queries; what
# lets one visitor run arbitrary or very long work is switched off.
PUBLISH_READY_SETTINGS: dict[str, Any] = {
    "default_allow_sql": False,  # no arbitrary SQL (canned queries still run)
    "allow_download": False,  # no download of the whole database file
    "allow_csv_stream": False,  # no streaming of every row of a table as CSV
    "suggest_facets": False,  # no facet-suggestion queries on every table page
    "sql_time_limit_ms": 1000,
    "facet_time_limit_ms": 500,
    "max_returned_rows": 1000,
    "max_csv_mb": 20,
    "template_debug": False,
    "trace_debug": False,
}


class ServingConfigError(ValueError):
    """archive/ (or another configuration folder) cannot be used: a file that does not parse,
    an unknown setting. The message names the file and, where the parser says, the line."""


class ListenError(ValueError):
    """Nothing can listen on the address asked for: another server holds the port
    (`in_use`), or the host is no address of this machine."""

    def __init__(self, message: str, *, in_use: bool = False):
        super().__init__(message)
        self.in_use = in_use


def check_listen(host: str, port: int) -> None:
    """ListenError unless a server can listen on host:port now. uvicorn would find out only
    once started, after the command said it was serving, and exit with a log line."""
    import errno
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            sock.bind(address)
    except OSError as error:
        raise ListenError(
            f"cannot listen on {host}:{port}: {error.strerror or error}",
            in_use=error.errno == errno.EADDRINUSE,
        ) from error


@dataclass(frozen=True)
class ServingConfig:
    """What archive/ (or another configuration folder) provides, as paths and values."""

    metadata_path: Path | None
    template_dir: Path | None
    plugins_dir: Path | None
    static_dir: Path | None
    settings: dict[str, Any]

    @classmethod
    def load(cls, config_dir: Path = ARCHIVE_DIR) -> ServingConfig:
        config_dir = Path(config_dir).resolve()
        if not config_dir.is_dir():
            raise ServingConfigError(f"no Datasette configuration folder at {config_dir}")
        metadata_path = next(
            (config_dir / name for name in METADATA_FILES if (config_dir / name).is_file()), None
        )
        settings: dict[str, Any] = {}
        settings_path = config_dir / "settings.json"
        if settings_path.is_file():
            try:
                settings = json.loads(settings_path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
                raise ServingConfigError(f"cannot read {settings_path}: {error}") from error
            if not isinstance(settings, dict):
                raise ServingConfigError(f"{settings_path} is not a JSON object of settings")
            unknown = sorted(set(settings) - set(DEFAULT_SETTINGS))
            if unknown:
                raise ServingConfigError(
                    f"unknown Datasette settings in {settings_path}: {unknown}"
                )

        def folder(name: str) -> Path | None:
            path = config_dir / name
            return path if path.is_dir() else None

        return cls(
            metadata_path=metadata_path,
            template_dir=folder("templates"),
            plugins_dir=folder("plugins"),
            static_dir=folder("static"),
            settings=settings,
        )

    def metadata(self) -> dict[str, Any]:
        if self.metadata_path is None:
            return {}
        try:
            text = self.metadata_path.read_text(encoding="utf-8")
            metadata = parse_metadata(text) or {}
        except (OSError, UnicodeDecodeError) as error:
            raise ServingConfigError(f"cannot read {self.metadata_path}: {error}") from error
        except BadMetadataError as error:
            raise ServingConfigError(
                f"cannot read {self.metadata_path}: {_parse_error(text) or error}"
            ) from error
        if not isinstance(metadata, dict):
            raise ServingConfigError(f"{self.metadata_path} is not a mapping of metadata")
        return metadata


def _parse_error(text: str) -> str | None:
    """What YAML (a superset of JSON) says is wrong with `text`, line and column included;
    Datasette's own message is only "Metadata is not valid JSON or YAML"."""
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None)
        if mark is not None and problem:
            return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
        return " ".join(str(error).split())
    return None


def check_config(config_dir: Path | None = None) -> None:
    """Raise ServingConfigError unless the configuration folder (default: archive/) can be
    served (settings and metadata parse), so that a command can say so before it starts
    anything."""
    ServingConfig.load(config_dir or ARCHIVE_DIR).metadata()


#: The policy every archive response carries unless it sets a stricter one (the captures
#: plugin): scripts from the archive only, no plugins, no framing by other sites. Sent by
#: archive/plugins/blogarchive_site.py on what Datasette answers, and by
#: archive/plugins/access.py on what it answers itself (the login redirect, 403, robots.txt).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: http: https:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'self'; frame-src 'self'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)


#: the metadata block that applies to every served database: what marks a Datasette as an archive
WILDCARD = "*"


def archive_block(datasette: Datasette) -> dict[str, Any] | None:
    """The ``databases: "*"`` block of the metadata this Datasette was given, or None.

    The plugins in archive/ act only on a Datasette that has it (one made by make_datasette or
    ``datasette serve --metadata archive/metadata.yml``), and leave other instances in the same
    process alone. Datasette has no public accessor that does not call ``get_metadata`` hooks
    again, hence the private attribute.
    """
    local = getattr(datasette, "_metadata_local", None) or {}
    block = (local.get("databases") or {}).get(WILDCARD)
    return block if isinstance(block, dict) else None


def capture_path(
    datasette: Datasette, database: str, capture_id: int | str, raw: bool = False
) -> str:
    """The address of a capture's page (archive/plugins/captures.py), or of its body with
    `raw`, in the archive `database`: capture ids are per archive, and several archives can
    be served at once (``datasette serve a.db b.db --metadata archive/metadata.yml ...``)."""
    suffix = "/raw" if raw else ""
    return datasette.urls.path(f"/-/capture/{capture_id}{suffix}?{urlencode({'db': database})}")


def picture_path(datasette: Datasette, database: str, capture_id: int | str) -> str:
    """The address of an archived picture (archive/plugins/captures.py's ``/-/picture/ID``)
    in the archive `database`."""
    return datasette.urls.path(f"/-/picture/{capture_id}?{urlencode({'db': database})}")


def is_archive(datasette: Datasette) -> bool:
    """Whether this Datasette serves archives (see archive_block)."""
    return archive_block(datasette) is not None


def _database_file(db_path: str | Path) -> Path:
    path = Path(db_path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no archive database at {path}")
    return path


def make_datasette(
    db_path: str | Path,
    *,
    config_dir: Path = ARCHIVE_DIR,
    public: bool = False,
    auth: AuthConfig | None = None,
    publish_ready: bool = False,
    hosts: Sequence[str] = (),
) -> Datasette:
    """A Datasette serving one archive file (mutable; immutable if it is a read-only copy, see
    the module's doc) with the configuration in `config_dir`.

    The Datasette database name is the file's stem (archive.db -> "archive"). Unless `public`,
    every response says noindex and /robots.txt disallows all; with `auth` (see
    pipeline/access.py) every page and endpoint needs a login (archive/plugins/access.py);
    without either, it answers only to IP addresses, localhost and `hosts`. `publish_ready` adds PUBLISH_READY_SETTINGS to archive/settings.json.
    """
    path = _database_file(db_path)
    config = ServingConfig.load(config_dir)
    metadata = config.metadata()
    access = access_metadata(public=public, auth=auth, hosts=hosts)
    metadata["plugins"] = {**(metadata.get("plugins") or {}), **access.pop("plugins")}
    metadata.update(access)
    read_only_copy = not is_writable(path)
    return Datasette(
        files=[] if read_only_copy else [str(path)],
        immutables=[str(path)] if read_only_copy else [],
        metadata=metadata,
        template_dir=str(config.template_dir) if config.template_dir else None,
        plugins_dir=str(config.plugins_dir) if config.plugins_dir else None,
        static_mounts=[(STATIC_MOUNT, str(config.static_dir))] if config.static_dir else None,
        settings={**config.settings, **(PUBLISH_READY_SETTINGS if publish_ready else {})},
    )


def serve_command_args(
    db_path: str | Path,
    host: str = "127.0.0.1",
    port: int = 8001,
    *,
    config_dir: Path = ARCHIVE_DIR,
    publish_ready: bool = False,
) -> list[str]:
    """The `datasette serve` command line equivalent to `serve()` (argv, program name first)."""
    path = _database_file(db_path)
    config = ServingConfig.load(config_dir)
    args = ["datasette", "serve"]
    args += ["-i", str(path)] if not is_writable(path) else [str(path)]
    args += ["--host", str(host), "--port", str(int(port))]
    if config.metadata_path:
        args += ["--metadata", str(config.metadata_path)]
    if config.template_dir:
        args += ["--template-dir", str(config.template_dir)]
    if config.plugins_dir:
        args += ["--plugins-dir", str(config.plugins_dir)]
    if config.static_dir:
        args += ["--static", f"{STATIC_MOUNT}:{config.static_dir}"]
    settings = {**config.settings, **(PUBLISH_READY_SETTINGS if publish_ready else {})}
    for name, value in settings.items():
        if isinstance(value, bool):
            value = "on" if value else "off"
        args += ["--setting", name, str(value)]
    return args


async def _check(ds: Datasette) -> None:
    """Run the startup hooks and open each database once, so problems show before serving."""
    await ds.invoke_startup()
    for db in ds.databases.values():
        if not db.is_memory:
            await db.execute("select count(*) from sqlite_master")


def serve(
    db_path: str | Path,
    host: str = "127.0.0.1",
    port: int = 8001,
    *,
    public: bool = False,
    auth: AuthConfig | None = None,
    publish_ready: bool = False,
    hosts: Sequence[str] = (),
) -> None:
    """Run Datasette (uvicorn) in the foreground until interrupted (Ctrl-C)."""
    ds = make_datasette(db_path, public=public, auth=auth, publish_ready=publish_ready, hosts=hosts)
    asyncio.run(_check(ds))
    uvicorn.run(ds.app(), host=host, port=port, log_level="info", lifespan="on", workers=1)
