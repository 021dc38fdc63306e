"""WARC (ISO 28500) captures: write what the crawl received, read it back.

Each HTTP exchange is written as a `response` record (the response as received, less any
transfer or content encoding, with its headers adjusted to match) followed by its `request`
record, both with `WARC-Payload-Digest`. A payload already captured (the same digest as the
URL's last capture, or a `304 Not Modified`) is written as a `revisit` record that points at
the original instead of a second copy. Files are gzip WARCs, one gzip member per record, so a
record can be read back alone from its (file, offset, length) and records can be copied
between files byte for byte.

No Scrapy and no click here: `pipeline/capture.py` is the Scrapy side.

    with RollingWarcWriter("archive/warc", max_size=10**9) as writer:
        written = writer.write_response(exchange)
    record = read_record("archive/warc/" + written.warc_file.name, written.offset, written.length)
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import sys
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline import __version__
from pipeline.paths import unwritable_reason

# http://netpreserve.org/warc/1.0/revisit/... : the profiles warcio and pywb understand.
PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.0/revisit/server-not-modified"
DEFAULT_MAX_SIZE = 1_000_000_000
# Headers that describe the bytes on the wire, not the payload we keep: renamed, not dropped.
ENCODING_HEADERS = ("transfer-encoding", "content-encoding")
ORIGINAL_PREFIX = "X-Archive-Orig-"


class WarcError(Exception):
    """A WARC file or record that cannot be written or read."""


def check_warc_folder(directory: str | Path) -> None:
    """Raise WarcError unless WARC files can be written in `directory`: it is a folder this
    process can write, or the nearest folder above it that exists is (it is then made when
    the first file is written). Creates nothing."""
    reason = unwritable_reason(directory)
    if reason:
        raise WarcError(f"cannot write WARC files in {Path(directory).absolute()}: {reason}")


class RecordNotFound(WarcError):
    """No WARC record at the given file, offset and length."""


def payload_digest(body: bytes) -> str:
    """The `WARC-Payload-Digest` of a body, as warcio writes it: `sha1:` + base32."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_date(when: datetime | None = None) -> str:
    """A WARC-Date: ISO 8601 in UTC to the second, with `Z`, as WARC/1.0 defines it
    (`YYYY-MM-DDThh:mm:ssZ`; fractions of a second came with WARC/1.1, and warcio writes
    them only in 1.1 records)."""
    when = (when or datetime.now(UTC)).astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def decode_body(
    body: bytes, content_encodings: Sequence[str], max_size: int | None = None
) -> bytes | None:
    """Undo `Content-Encoding` (gzip, deflate, br, zstd; listed in the order applied).

    Returns None when an encoding is unknown, the body does not decode, or it would grow past
    `max_size` bytes (a decompression bomb), so the caller can keep the body as it came."""
    limit = max_size or 0
    for encoding in reversed([e.strip().lower() for e in content_encodings if e.strip()]):
        try:
            if encoding in ("gzip", "x-gzip", "deflate"):
                body = _inflate(body, encoding, limit)
            elif encoding == "br":
                import brotli

                decompressor = brotli.Decompressor()
                body = (
                    decompressor.process(body, output_buffer_limit=limit + 1)
                    if limit
                    else decompressor.process(body)
                )
            elif encoding == "zstd":
                import zstandard

                reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(body))
                body = reader.read(limit + 1) if limit else reader.read()
            elif encoding != "identity":
                return None
        except Exception:  # noqa: BLE001 - any decoder error means "keep it as it came"
            return None
        if limit and len(body) > limit:
            return None
    return body


def _inflate(body: bytes, encoding: str, limit: int) -> bytes:
    """gzip or zlib/raw deflate, stopping one byte past `limit` (0: no limit)."""
    if encoding == "deflate":
        try:
            return zlib.decompressobj().decompress(body, limit + 1 if limit else 0)
        except zlib.error:  # raw deflate, as IIS sends
            return zlib.decompressobj(-zlib.MAX_WBITS).decompress(body, limit + 1 if limit else 0)
    return zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(body, limit + 1 if limit else 0)


def payload_headers(
    headers: Iterable[tuple[str, str]], body_length: int, *, decoded: bool = True
) -> list[tuple[str, str]]:
    """HTTP headers that match a body stored without transfer (and, when `decoded`, content)
    encoding: those headers are renamed `X-Archive-Orig-...` and `Content-Length` is set to
    the stored body's length."""
    renamed = ENCODING_HEADERS if decoded else ("transfer-encoding",)
    out: list[tuple[str, str]] = []
    has_length = False
    for name, value in headers:
        lower = name.lower()
        if lower == "content-length" and value.strip() == str(body_length) and not has_length:
            out.append((name, value))
            has_length = True
        elif lower in renamed or lower == "content-length":
            out.append((ORIGINAL_PREFIX + name, value))
        else:
            out.append((name, value))
    if not has_length:
        out.append(("Content-Length", str(body_length)))
    return out


@dataclass
class Exchange:
    """One HTTP request and the response received for it."""

    url: str
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes = field(repr=False)
    method: str = "GET"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None
    date: str = ""  # WARC-Date; now when empty

    @property
    def digest(self) -> str:
        return payload_digest(self.body)


@dataclass(frozen=True)
class Original:
    """The capture a revisit record points at."""

    url: str
    date: str
    record_id: str | None = None


@dataclass(frozen=True)
class WrittenRecord:
    """Where a response or revisit record was written (its request record follows it)."""

    warc_file: Path
    offset: int
    length: int
    record_type: str
    record_id: str
    date: str
    digest: str | None


@dataclass
class StoredRecord:
    """A WARC record read back: its WARC headers, HTTP status and headers, and payload."""

    record_type: str
    url: str
    date: str
    record_id: str
    warc_headers: dict[str, str]
    status: int | None
    http_headers: list[tuple[str, str]]
    payload: bytes = field(repr=False)

    def header(self, name: str) -> str | None:
        for key, value in self.http_headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def mime(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in (self.header("Content-Type") or "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip("\"' ")
        return None


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def _request_line(exchange: Exchange) -> str:
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{exchange.method} {target}"


DEFAULT_GZIP_LEVEL = 6


class LeveledWARCWriter(WARCWriter):
    """warcio's `WARCWriter` at a chosen gzip level (warcio always compresses at 9, the
    slowest, for a percent or two of size on HTML). Each record is still its own gzip member,
    so offsets and lengths index records exactly as before."""

    def __init__(self, out: BinaryIO, level: int = DEFAULT_GZIP_LEVEL) -> None:
        super().__init__(out, gzip=True)
        self.level = level

    def _write_warc_record(self, out: Any, record: Any) -> None:
        plain = io.BytesIO()
        self.gzip = False
        try:
            super()._write_warc_record(plain, record)
        finally:
            self.gzip = True
        compressor = zlib.compressobj(self.level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        out.write(compressor.compress(plain.getbuffer()) + compressor.flush())
        out.flush()


class RollingWarcWriter:
    """Gzip WARC files in `directory`, named `{prefix}-{start time}-{serial}.warc.gz`.

    A new file is started when the current one has reached `max_size` bytes; each file
    begins with a `warcinfo` record. Not thread-safe: one writer per crawl process.
    """

    def __init__(
        self,
        directory: str | Path,
        *,
        max_size: int = DEFAULT_MAX_SIZE,
        started: datetime | None = None,
        prefix: str = "blogarchive",
        info: dict[str, str] | None = None,
        gzip_level: int = DEFAULT_GZIP_LEVEL,
    ):
        self.directory = Path(directory)
        self.max_size = max(int(max_size), 1)
        self.gzip_level = min(max(int(gzip_level), 1), 9)
        self.started = (started or datetime.now(UTC)).astimezone(UTC)
        self.prefix = prefix
        self.info = {"software": f"blogarchive/{__version__} (warcio)", "format": "WARC/1.0"}
        self.info.update(info or {})
        self.files: list[Path] = []
        self.records = 0
        self._serial = 0
        self._file: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        #: why a write failed (a full disk): the writer writes nothing more, in no file
        self.failed: str | None = None

    def __enter__(self) -> RollingWarcWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def current(self) -> Path | None:
        return self.files[-1] if self._file is not None else None

    def _open_next(self) -> None:
        self.close()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            while True:
                self._serial += 1
                path = self.directory / f"{self.name_prefix}{self._serial:05d}.warc.gz"
                try:
                    self._file = open(path, "xb")  # noqa: SIM115 - closed in close()
                    break
                except FileExistsError:
                    continue
        except OSError as error:
            raise WarcError(f"cannot create a WARC file in {self.directory}: {error}") from error
        self.files.append(path)
        self._writer = LeveledWARCWriter(self._file, self.gzip_level)
        try:
            self._writer.write_record(self._writer.create_warcinfo_record(path.name, self.info))
            self._file.flush()
        except OSError as error:
            self._abandon(0)
            raise WarcError(f"cannot write to {path}: {error}") from error

    def _ready(self) -> tuple[WARCWriter, BinaryIO]:
        if self.failed:
            raise WarcError(f"an earlier write failed: {self.failed}")
        if self._file is None or self._file.tell() >= self.max_size:
            self._open_next()
        assert self._writer is not None and self._file is not None
        return self._writer, self._file

    def write_response(self, exchange: Exchange) -> WrittenRecord:
        """Write a `response` record with the exchange's body, then its `request` record."""
        digest = exchange.digest
        http_headers = StatusAndHeaders(
            _status_line(exchange.status),
            list(exchange.response_headers),
            protocol=exchange.protocol,
        )
        return self._write(
            exchange,
            "response",
            digest,
            lambda writer, headers: writer.create_warc_record(
                exchange.url,
                "response",
                payload=io.BytesIO(exchange.body),
                length=len(exchange.body),
                http_headers=http_headers,
                warc_headers_dict=headers,
            ),
        )

    def write_revisit(
        self, exchange: Exchange, original: Original, *, digest: str | None = None
    ) -> WrittenRecord:
        """Write a `revisit` record (HTTP headers only) pointing at `original`.

        A 304 answer gets the `server-not-modified` profile, anything else (a body whose
        digest equals the original's) `identical-payload-digest`."""
        not_modified = exchange.status == 304
        digest = digest or exchange.digest
        http_headers = StatusAndHeaders(
            _status_line(exchange.status),
            list(exchange.response_headers),
            protocol=exchange.protocol,
        )

        def build(writer: WARCWriter, headers: dict[str, str]) -> Any:
            if original.record_id:
                headers["WARC-Refers-To"] = original.record_id
            record = writer.create_revisit_record(
                exchange.url,
                digest,
                original.url,
                original.date,
                http_headers=http_headers,
                warc_headers_dict=headers,
            )
            if not_modified:
                record.rec_headers.replace_header("WARC-Profile", PROFILE_NOT_MODIFIED)
            return record

        return self._write(exchange, "revisit", digest, build)

    def _write(
        self, exchange: Exchange, record_type: str, digest: str, build: Any
    ) -> WrittenRecord:
        writer, out = self._ready()
        start = out.tell()
        date = exchange.date or warc_date()
        headers = {"WARC-Date": date}
        if exchange.ip_address:
            headers["WARC-IP-Address"] = exchange.ip_address
        try:
            record = build(writer, headers)
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            offset = out.tell()
            writer.write_record(record)
            length = out.tell() - offset
            request_headers = list(exchange.request_headers)
            if not any(name.lower() == "host" for name, _ in request_headers):
                request_headers.insert(0, ("Host", urlsplit(exchange.url).netloc))
            request = writer.create_warc_record(
                exchange.url,
                "request",
                # "GET /path HTTP/1.1": warcio (and pywb's indexer) read the method first
                http_headers=StatusAndHeaders(
                    f"{_request_line(exchange)} {exchange.protocol}",
                    request_headers,
                    is_http_request=True,
                ),
                warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
            )
            writer.write_record(request)
            out.flush()
        except OSError as error:
            self._abandon(start)
            raise WarcError(self.failed) from error
        self.records += 1
        return WrittenRecord(
            warc_file=self.files[-1],
            offset=offset,
            length=length,
            record_type=record_type,
            record_id=record_id,
            date=date,
            digest=digest,
        )

    @property
    def name_prefix(self) -> str:
        """How the names of this writer's files begin (the serial number follows)."""
        return f"{self.prefix}-{self.started.strftime('%Y%m%dT%H%M%SZ')}-"

    def mark(self) -> tuple[int, int]:
        """Where the next record goes, for `rewind`: (files so far, size of the open one, or
        -1 when none is open)."""
        return len(self.files), self._file.tell() if self._file is not None else -1

    def rewind(self, mark: tuple[int, int]) -> None:
        """Take back every record written since `mark` (their index was rolled back, so
        they would be records that no `captures` row names): files opened since are
        removed, the one open then is cut back to its size then. The writer is closed; the
        next write opens a new file."""
        count, size = mark
        self.close()
        for path in self.files[count:]:
            path.unlink(missing_ok=True)
        del self.files[count:]
        if count and size >= 0:
            os.truncate(self.files[-1], size)

    def _abandon(self, size: int) -> None:
        """After a write that failed (a full disk): close the file and cut it back to its
        last whole record (`size` bytes; everything before was flushed), so that it reads
        to its end record by record (`warcio check`, `index`), or remove it when it holds
        none. Nothing more is written (`failed`)."""
        path = self.files[-1]
        self.failed = f"cannot write to {path}: {sys.exc_info()[1]}"
        file, self._file, self._writer = self._file, None, None
        if file is not None:
            with contextlib.suppress(OSError):  # its buffer cannot be written either
                file.close()
        with contextlib.suppress(OSError):
            if size:
                os.truncate(path, size)
            else:
                path.unlink()
                self.files.pop()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            self._writer = None


def _stored(record: Any, *, payload: bool = True) -> StoredRecord:
    http = record.http_headers
    body = record.content_stream().read() if payload and record.rec_type != "revisit" else b""
    status = None
    if http is not None and record.rec_type in ("response", "revisit"):
        try:
            status = int(http.get_statuscode())
        except (TypeError, ValueError):
            status = None
    return StoredRecord(
        record_type=record.rec_type,
        url=record.rec_headers.get_header("WARC-Target-URI") or "",
        date=record.rec_headers.get_header("WARC-Date") or "",
        record_id=record.rec_headers.get_header("WARC-Record-ID") or "",
        warc_headers=dict(record.rec_headers.headers),
        status=status,
        http_headers=list(http.headers) if http is not None else [],
        payload=body,
    )


def read_record(
    path: str | Path, offset: int, length: int, *, payload: bool = True
) -> StoredRecord:
    """The WARC record at `offset` in `path`, `length` bytes long (one gzip member);
    `payload=False` reads its headers only (its `payload` is then empty)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read(length)
    except OSError as error:
        raise RecordNotFound(f"cannot read {path}: {error}") from error
    if len(data) != length:
        raise RecordNotFound(f"{path} ends before offset {offset} + {length}")
    try:
        for record in ArchiveIterator(io.BytesIO(data)):
            return _stored(record, payload=payload)
    except Exception as error:  # noqa: BLE001 - warcio raises several kinds on bad bytes
        raise RecordNotFound(f"no WARC record at {path}:{offset}: {error}") from error
    raise RecordNotFound(f"no WARC record at {path}:{offset}")


def read_raw(path: str | Path, offset: int, length: int) -> bytes:
    """The bytes of one record as stored (a gzip member), to copy it into another file."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read(length)
    except OSError as error:
        raise RecordNotFound(f"cannot read {path}: {error}") from error
    if len(data) != length:
        raise RecordNotFound(f"{path} ends before offset {offset} + {length}")
    return data


def iter_records(path: str | Path) -> Iterator[tuple[int, int, StoredRecord]]:
    """Every record of a WARC file with its offset and length."""
    with open(path, "rb") as handle:
        iterator = ArchiveIterator(handle)
        for record in iterator:
            stored = _stored(record)
            iterator.read_to_end(record)
            yield iterator.get_record_offset(), iterator.get_record_length(), stored


def write_warcinfo(out: BinaryIO, filename: str, info: dict[str, str]) -> None:
    """Write a gzip `warcinfo` record at the start of a WARC file made by copying records."""
    writer = WARCWriter(out, gzip=True)
    writer.write_record(writer.create_warcinfo_record(filename, info))


def read_exchange_raw(path: str | Path, offset: int, length: int) -> bytes:
    """The stored bytes of a response or revisit record followed by those of its `request`
    record (written right after it, `WARC-Concurrent-To` it), when there is one."""
    data = read_raw(path, offset, length)
    record_id = read_record(path, offset, length).record_id
    try:
        with open(path, "rb") as handle:
            handle.seek(offset + length)
            iterator = ArchiveIterator(handle)
            for record in iterator:
                concurrent = record.rec_headers.get_header("WARC-Concurrent-To")
                if record.rec_type != "request" or concurrent != record_id:
                    break
                iterator.read_to_end(record)
                return data + read_raw(path, offset + length, iterator.get_record_length())
    except Exception:  # noqa: BLE001 - the request record is optional; the response is whole
        pass
    return data
