"""Per-request access to the store, the app database and the signed-in user."""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from healthgap.appdb.models import User
from healthgap.data import paths, published
from healthgap.data.store import Store, open_store
from healthgap.errors import InputError
from healthgap.web.errors import WebError
from healthgap.web.pagecache import note_local_store_read

#: Marks a memo miss (a remembered answer may itself be None).
_MISSING: Any = published.MISSING


def _name(fn: Callable[..., Any]) -> str:
    """A view's name in memo keys: module and qualified name, so that two views with one
    short name (``geography.names.indicator_names`` and the targets' own) never share
    an answer."""
    return f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', repr(fn))}"


class StoreHandle:
    """The store, opened lazily; readers never wait on a write, nor a write on readers.

    * :meth:`compute` runs a view of the **published** layer and memoises it for the
      life of the process (:mod:`healthgap.data.published`, shared by every handle on
      the same build): uploads never change published data (they are local datasets),
      and ``healthgap init`` replaces the file only with the server stopped.
    * :meth:`compute_local` runs a view that reads the **local** layer; it is memoised
      until the next write.
    * :meth:`write` runs ``fn(con)`` on a DuckDB connection of its own under a write
      lock (one writer at a time). Readers keep reading the last committed state while
      it runs (DuckDB's multi-version concurrency). The first write reopens the file for
      writing, which makes readers wait for that reopen only (milliseconds).

    Reads share one connection and run one at a time; memoised views return at once.
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._store: Store | None = None
        self._db: Any = None  # the DuckDB connection once the file is open for writing
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._build: tuple[str, str] | None = None  # the store's build, once it is open
        self._local_cache: dict[tuple[Any, ...], Any] = {}
        self._generation = 0

    @property
    def generation(self) -> int:
        """How many writes this handle has made (a cached answer records the one it saw)."""
        return self._generation

    def _reader(self) -> Store:
        """The reading store (call with ``_lock`` held)."""
        if self._store is None:
            if self._db is not None:
                ibis = importlib.import_module("ibis")
                self._store = Store(
                    ibis.duckdb.from_connection(self._db.cursor()), paths.store_path(self.path)
                )
            else:
                self._store = open_store(self.path)
            self._build = published.build_key(self._store)
        return self._store

    def compute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(store, *args, **kwargs)`` for a view of the published data, memoised."""
        key = ("view", _name(fn), args, tuple(sorted(kwargs.items())))
        # A remembered answer is returned without the lock: readers do not queue behind
        # a computation (or a write's checks) that holds the store.
        hit = self._recall(key)
        if hit is not _MISSING:
            return hit
        with self._lock:
            reader = self._reader()
            return published.remembered(reader, key, lambda: fn(reader, *args, **kwargs))

    def remember(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """``make()``, remembered under ``key`` as long as :meth:`compute`'s answers are:
        for what is derived from published data alone (a rendered part of a page whose
        inputs came from :meth:`compute`). ``key`` must name everything ``make`` uses."""
        key = ("remember", *key)
        if self._build is None:
            with self._lock:
                self._reader()  # its build names the answer
        hit = self._recall(key)
        if hit is not _MISSING:
            return hit
        assert self._build is not None
        value = make()  # made outside the lock: it reads no store
        return published.keep(self._build, key, value)

    def _recall(self, key: tuple[Any, ...]) -> Any:
        build = self._build
        return _MISSING if build is None else published.recall(build, key)

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(store, *args, **kwargs)`` not memoised (checks made on a write, e.g. that
        a saved place's codes exist)."""
        note_local_store_read()
        with self._lock:
            return fn(self._reader(), *args, **kwargs)

    def compute_local(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(store, *args, **kwargs)`` for a view that reads local datasets."""
        note_local_store_read()
        key = (self._generation, _name(fn), args, tuple(sorted(kwargs.items())))
        hit = self._local_cache.get(key, _MISSING)
        if hit is not _MISSING:
            return hit
        with self._lock:
            generation = self._generation
            key = (generation, _name(fn), args, tuple(sorted(kwargs.items())))
            if key in self._local_cache:
                return self._local_cache[key]
            result = fn(self._reader(), *args, **kwargs)
            if generation == self._generation:
                if len(self._local_cache) > 512 or any(
                    k[0] != generation for k in list(self._local_cache)[:1]
                ):
                    self._local_cache.clear()
                self._local_cache[key] = result
            return result

    def _writable(self) -> Any:
        """The DuckDB connection open for writing (call with ``_write_lock`` held)."""
        if self._db is None:
            import duckdb

            location = paths.store_path(self.path)
            with self._lock:
                if self._store is not None:
                    self._store.close()
                    self._store = None
                existing = open_store(location, read_only=False)  # checks it is a store
                existing.close()
                try:
                    self._db = duckdb.connect(location)
                except duckdb.Error as exc:
                    raise InputError(
                        f"the store must not be open for writing in another process; got: "
                        f"{exc}. Stop the other healthgap process and try again."
                    ) from None
        return self._db

    def write(self, fn: Callable[[Any], Any]) -> Any:
        """Run ``fn(con)`` with a DuckDB connection open for writing; forget local views.

        ``fn`` owns its transaction. Readers are not blocked while it runs.
        """
        with self._write_lock:
            cursor = self._writable().cursor()
            try:
                return fn(cursor)
            finally:
                cursor.close()
                self._generation += 1

    def close(self) -> None:
        with self._write_lock, self._lock:
            self._generation += 1  # whoever reopens it may find it changed
            self._build = None
            if self._store is not None:
                self._store.close()
                self._store = None
            if self._db is not None:
                self._db.close()
                self._db = None


def store(request: Request) -> StoreHandle:
    """The app's :class:`StoreHandle`."""
    handle: StoreHandle = request.app.state.store
    return handle


def db(request: Request) -> Iterator[Session]:
    """A database session for this request."""
    with request.app.state.sessions() as session:
        yield session


#: A route parameter for the app's store: ``st: StoreDep``.
StoreDep = Annotated[StoreHandle, Depends(store)]
#: A route parameter for a database session of this request: ``session: DbDep``.
DbDep = Annotated[Session, Depends(db)]


#: How often (seconds) the session's last-seen time is refreshed (each refresh re-sends
#: the cookie).
SEEN_RESOLUTION = 60


def current_user(request: Request, session: Session) -> User | None:
    """The signed-in user, or ``None`` for anonymous visitors.

    A session is void, and is cleared, when the account is gone or disabled, when its
    session version is older than the account's (sign-out, a password change or
    disabling bump it: every copy of the cookie stops working), when it is older than
    the absolute limit ``session_max_age`` or idle for longer than ``session_idle``.
    """
    if hasattr(request.state, "user"):
        cached: User | None = request.state.user
        return cached
    data = request.state.session
    uid = data.get("uid")
    user = session.get(User, uid) if uid is not None else None
    if uid is not None:
        settings = request.app.state.settings
        now = time.time()
        issued = float(data.get("iat", 0))
        seen = float(data.get("seen", issued))
        if (
            user is None
            or user.disabled
            or data.get("sv") != user.session_version
            or now - issued > settings.session_max_age
            or now - seen > settings.session_idle
        ):
            end_session(request)
            user = None
        elif now - seen > SEEN_RESOLUTION:
            data["seen"] = int(now)
    request.state.user = user
    return user


def start_session(request: Request, user: User) -> None:
    """Sign ``user`` in: a fresh session (new CSRF token) stamped with the account's
    session version and the time."""
    from healthgap.web import csrf

    now = int(time.time())
    data = request.state.session
    data.clear()
    data.update(
        {
            "uid": user.id,
            "sv": user.session_version,
            "iat": now,
            "seen": now,
            "csrf": csrf.new_token(),
        }
    )
    request.state.user = user


def end_session(request: Request) -> None:
    """Forget who is signed in on this request's session (a fresh CSRF token)."""
    from healthgap.web import csrf

    request.state.session.clear()
    request.state.session["csrf"] = csrf.new_token()
    request.state.user = None


def require_user(request: Request, session: Session) -> User:
    """The signed-in user, or a 401 error."""
    user = current_user(request, session)
    if user is None:
        raise WebError(
            401,
            "unauthenticated",
            "This action must be done by a signed-in user; got an anonymous request. "
            "Sign in at /sign-in.",
        )
    return user


def can_edit(user: User | None, authority_code: str) -> bool:
    """Administrators edit any authority; editors only their own; others none."""
    if user is None:
        return False
    if user.role == "admin":
        return True
    return user.role == "editor" and user.authority_code == authority_code


def if_match(request: Request, what: str) -> int:
    """The version named by the request's ``If-Match`` header (required: 428 without it)."""
    from healthgap.appdb.versions import VersionRequiredError, parse

    version = parse(request.headers.get("if-match"), what)
    if version is None:
        raise VersionRequiredError(what)
    return version


def form_version(value: str | None, what: str) -> int:
    """The version in a form's hidden ``version`` field (required: 428 without it)."""
    from healthgap.appdb.versions import VersionRequiredError, parse

    version = parse(value, what)
    if version is None:
        raise VersionRequiredError(what)
    return version


def requires(kind: str, verb: str = "change") -> Any:
    """Declare the permission a route needs: ``dependencies=[requires("target")]``.

    The dependency answers 401 to anonymous requests and 403 to a signed-in user whose
    role does not hold the permission for any authority (the route then checks the
    authority of the record itself, with :func:`healthgap.appdb.permissions.check`). It
    stores the :class:`~healthgap.appdb.permissions.Actor` in ``request.state.actor``.
    Every write route must declare one: tests/web/test_permissions.py walks the route
    table and fails on a POST, PUT, PATCH or DELETE route without it.
    """
    from healthgap.appdb.permissions import Actor, NotPermittedError, Permission, check

    permission = Permission(kind, verb)

    def need(request: Request, session: Session = Depends(db)) -> Actor | None:  # noqa: B008
        if permission.public:
            return None
        who = Actor.of(require_user(request, session))
        try:
            check(who, permission)
        except NotPermittedError as exc:
            raise WebError(403, "forbidden", str(exc)) from exc
        request.state.actor = who
        session.commit()  # hand the connection back: the route may open its own
        return who

    need.permission = permission  # type: ignore[attr-defined]
    need.__name__ = f"requires_{kind}_{verb}"
    return Depends(need)


def declared_permission(route: Any) -> Any:
    """The permission a route declared with :func:`requires`, or ``None``."""
    stack = [getattr(route, "dependant", None)]
    while stack:
        dep = stack.pop()
        if dep is None:
            continue
        found = getattr(dep.call, "permission", None)
        if found is not None:
            return found
        stack.extend(dep.dependencies)
    return None
