"""The fetch policy's two guards (web.py applies them): its deadline, and the addresses it may reach.

The deadline covers connecting, the headers and the body together: a watchdog shuts the fetch's
sockets when it passes, so a server that drips a byte a second is cut off on time.

A page, a feed or a redirect may point anywhere, and a
fetcher that follows it can be turned inward: to a router's admin page, a cloud's metadata
service, a database on localhost, whose answer we would then publish. So addresses in loopback,
private, link-local, shared, reserved, multicast or unspecified ranges are refused, after
resolution and on every redirect, unless the user named the host directly (on the command line
or in show.toml: they meant it) or allowed private addresses for the run."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urlsplit

from audio_edition.errors import FetchError


def inward(address: str) -> bool:
    """Whether an IP address is one the public internet cannot reach: a machine's own, a private
    network's, or none at all (0.0.0.0 reaches this machine on Linux)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone ("fe80::1%eth0") is not part of it
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64:  # an IPv4 address reached through NAT64 (IPv6-only networks): judge that one
            return inward(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
        if ip in _SITE_LOCAL:
            return True
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            ip = mapped
    return (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast
            or ip.is_unspecified or not ip.is_global)


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")  # deprecated, still private


def host_of(url: str) -> str:
    return _name(urlsplit(url).hostname or "")


def _name(host: str) -> str:
    """A host name as connections name it: lower case, no trailing dot, IDNA (xn--) for Unicode."""
    host = host.lower().rstrip(".")
    try:
        return host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return host


@dataclass(frozen=True)
class Reach:
    """The hosts the user named (any address allowed for them), and whether every private
    address is allowed (``--allow-private``)."""

    named: frozenset[str] = frozenset()
    allow_private: bool = False

    @classmethod
    def of(cls, *urls: str, allow_private: bool = False) -> Reach:
        return cls(frozenset(host_of(u) for u in urls if host_of(u)), allow_private)

    def allows(self, host: str) -> bool:
        """Whether ``host`` may be reached at a private address."""
        return self.allow_private or _name(host) in self.named

    def check(self, url: str, host: str, address: str) -> None:
        """Refuse a connection to ``host`` at ``address`` (for ``url``) that the policy does not allow."""
        if inward(address) and not self.allows(host):
            raise refused(url, host, address)

    def check_resolved(self, url: str) -> None:
        """Refuse ``url`` before anything is sent when its host resolves to an inward address (for
        connections through a proxy, whose own address is all the socket shows)."""
        host = host_of(url)
        if not host or self.allows(host):
            return
        try:
            found = {info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}
        except (OSError, UnicodeError):
            return  # the request itself will say the host is unknown
        for address in sorted(found):
            if inward(str(address)):
                raise refused(url, host, str(address))


def refused(url: str, host: str, address: str) -> FetchError:
    where = host if host == address else f"{host} ({address})"
    return FetchError(f"{url}: refused to fetch from {where}, a private or local address",
                      hint="A page or feed may not lead us into a private network. If you meant it, name the "
                           "address yourself, or allow it with --allow-private ([fetch] allow_private = true "
                           "in show.toml).")


class Fetch:
    """One fetch in progress: its deadline, what it may reach, the address being asked for, and
    the sockets it opened, which a watchdog shuts when the deadline passes."""

    def __init__(self, timeout_s: float, reach: Reach) -> None:
        self.timeout_s = timeout_s
        self.deadline = time.monotonic() + timeout_s
        self.reach = reach
        self.current = ""
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(timeout_s, self.expire)
        self._timer.daemon = True

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def register(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                shut(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                shut(sock)

    def __enter__(self) -> Fetch:
        self._token = CURRENT.set(self)
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        CURRENT.reset(self._token)


CURRENT: ContextVar[Fetch | None] = ContextVar("audio_edition_fetch", default=None)


def shut(sock: socket.socket) -> None:
    """Shut a connection both ways, whoever holds it: a read blocked on it returns at once."""
    try:
        sock.shutdown(socket.SHUT_RDWR)  # a read blocked on it returns at once
    except OSError:
        pass


class OutOfTime(Exception):  # noqa: N818 - not an error of ours: raised through urllib3, turned into FetchError
    """A retry would end past the deadline, or the server asks for a longer wait (seconds)."""

    def __init__(self, wait: float | None = None) -> None:
        super().__init__(wait)
        self.wait = wait
