"""One database round trip for a signed-in reader's issue or article page (issue #15).

Django's own path costs five queries for such a page even when the page itself is kept (the
per-visibility cache of reader/views/pages.py): the public pages' generation, the issue, the
session, the user, the user's roles. `read(request, slug, serial)` reads all five in ONE
statement, fresh on every request (no cache of who may read what, so nothing to invalidate):

- the generation (bulletin.public_pages) and the published issue with its publication;
- the session row (django.contrib.sessions' database engine: unexpired, by the cookie's key), the
  user row and the user's role names; the user's id comes from the session itself, which is
  decoded and checked (signature, SESSION_KEY, the ModelBackend, is_active, the session auth hash
  against the password) exactly as django.contrib.auth.get_user does before anything is used.

Only when every check passes are the session's data and the user installed on the request
(`request.session` then needs no query, `request.user` is that user with its roles). Otherwise
nothing is installed and Django's own path runs as before: an expired or signed-out session, a
changed password (Django then flushes the session), a deactivated or deleted user, another
authentication backend, a session engine other than the database's. Signing out, a role removed,
a password changed or an account deactivated therefore end access on the very next request, by
whatever means the row changed (admin, service function, queryset update, SQL).

The statement needs the user's id before the session is decoded: each worker remembers the user
id of the session keys it has seen (a session key never changes its user: login cycles the key,
logout deletes the row). For a key not seen yet, or a remembered id that does not match the
decoded session, the statement runs a second time with the session's own user id.
"""

import threading
import weakref
from collections import OrderedDict

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.module_loading import import_string

from bulletin import public_pages
from bulletin.models import Issue, PagesGeneration, Publication
from common.roles import ROLE_LABELS

DATABASE_SESSIONS = "django.contrib.sessions.backends.db"
REMEMBERED_KEYS = 10_000
# The issue's and its publication's columns read (the rest are deferred: reader/views/pages.py
# reads the whole rows when it renders the page anew).
ISSUE_FIELDS = ("id", "publication", "serial_number", "status", "visibility")
PUBLICATION_FIELDS = ("id", "slug", "name", "default_visibility")

# session key → user id, for the sessions this worker has seen (see the module's docstring).
_user_of_session: OrderedDict[str, str] = OrderedDict()
_lock = threading.Lock()


def _remember(session_key: str, user_id) -> None:
    with _lock:
        _user_of_session[session_key] = str(user_id)
        _user_of_session.move_to_end(session_key)
        while len(_user_of_session) > REMEMBERED_KEYS:
            _user_of_session.popitem(last=False)


def _columns(model, alias, names=None):
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields if names is None else [model._meta.get_field(name) for name in names]
    return fields, ", ".join(f"{alias}.{quote(field.column)}" for field in fields)


def _instance(model, fields, alias, values):
    """A model instance from raw column values, converted as the ORM's compiler converts them."""
    converted = []
    for field, value in zip(fields, values, strict=True):
        column = field.get_col(alias)
        for converter in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


def _statement():
    """The SQL (built once per vendor: it names only tables and columns)."""
    quote = connection.ops.quote_name
    user_model = auth.get_user_model()
    through = user_model._meta.get_field("groups").remote_field.through
    user_column = through._meta.get_field(user_model._meta.model_name).column
    group_column = through._meta.get_field("group").column
    aggregate = "string_agg(r.{name}, ',')" if connection.vendor == "postgresql" else "group_concat(r.{name}, ',')"
    aggregate = aggregate.format(name=quote("name"))
    roles = ", ".join(f"'{role}'" for role in ROLE_LABELS)  # codenames of our own: [a-z]+
    user_fields, user_columns = _columns(user_model, "u")
    # What the permission check reads; the view reads the whole rows only to render a page anew.
    issue_fields, issue_columns = _columns(Issue, "i", ISSUE_FIELDS)
    publication_fields, publication_columns = _columns(Publication, "p", PUBLICATION_FIELDS)
    sql = (
        f"SELECT (SELECT {quote('token')} FROM {quote(PagesGeneration._meta.db_table)} WHERE {quote('id')} = 1), "
        f"s.{quote('session_data')}, "
        f"(SELECT {aggregate} FROM {quote(through._meta.db_table)} m "
        f"JOIN {quote(Group._meta.db_table)} r ON r.{quote('id')} = m.{quote(group_column)} "
        f"WHERE m.{quote(user_column)} = u.{quote(user_model._meta.pk.column)} AND r.{quote('name')} IN ({roles})), "
        f"{user_columns}, {issue_columns}, {publication_columns} "
        f"FROM (SELECT 1 AS one) AS one "
        f"LEFT JOIN {quote(Session._meta.db_table)} s "
        f"ON s.{quote('session_key')} = %s AND s.{quote('expire_date')} > %s "
        f"LEFT JOIN {quote(user_model._meta.db_table)} u ON u.{quote(user_model._meta.pk.column)} = %s "
        f"LEFT JOIN {quote(Publication._meta.db_table)} p ON p.{quote('slug')} = %s "
        f"LEFT JOIN {quote(Issue._meta.db_table)} i ON i.{quote('publication_id')} = p.{quote('id')} "
        f"AND i.{quote('serial_number')} = %s AND i.{quote('status')} = %s"
    )
    return sql, user_model, user_fields, issue_fields, publication_fields


_statements: dict[str, tuple] = {}

# On PostgreSQL the statement is prepared once per connection (connections persist: CONN_MAX_AGE):
# planning its joins cost twice what running it did. The set holds the driver's connections it is
# prepared on; a new connection prepares it again.
STATEMENT_NAME = "bulletin_reader_signed_in"
_prepared: "weakref.WeakSet" = weakref.WeakSet()


def _execute(cursor, sql, params):
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    driver_connection = connection.connection
    if driver_connection not in _prepared:
        numbered = sql
        for number in range(1, len(params) + 1):
            numbered = numbered.replace("%s", f"${number}", 1)
        cursor.execute(f"PREPARE {STATEMENT_NAME} AS {numbered}")
        _prepared.add(driver_connection)
    cursor.execute(f"EXECUTE {STATEMENT_NAME}({', '.join(['%s'] * len(params))})", params)


def _fast_sessions(request) -> bool:
    session = getattr(request, "session", None)
    return (
        settings.SESSION_ENGINE == DATABASE_SESSIONS
        and session is not None
        and not hasattr(session, "_session_cache")  # not loaded yet by anything before the view
        and not hasattr(request, "_cached_user")
        and session.session_key is not None  # a well-formed key from the cookie
    )


def _verified_user(data, user):
    """The user if Django's get_user would return this very user for this session, else None."""
    if str(data.get(auth.SESSION_KEY)) != str(user.pk):
        return None
    backend_path = data.get(auth.BACKEND_SESSION_KEY)
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    backend_class = import_string(backend_path)
    # Only Django's own backend (its get_user is "the row, if is_active"); any other runs its code.
    if backend_class is not ModelBackend or not user.is_active:
        return None
    session_hash = data.get(auth.HASH_SESSION_KEY)
    if not session_hash or not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return None  # Django's path checks SECRET_KEY_FALLBACKS and flushes the session
    return user


def _row(sql, params):
    """The statement's one row (None if, impossibly, not exactly one)."""
    params[1] = connection.ops.adapt_datetimefield_value(timezone.now())  # sessions still valid now
    with connection.cursor() as cursor:
        _execute(cursor, sql, params)
        rows = cursor.fetchall()
    return rows[0] if len(rows) == 1 else None


def _fits_the_column(serial) -> bool:
    """Whether `serial` fits the serial number's column: the URL allows 18 digits (bigint ids),
    the column is narrower, and PostgreSQL refuses an out-of-range parameter outright where the
    ORM would simply find nothing."""
    field = Issue._meta.get_field("serial_number")
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    return (low is None or serial >= low) and (high is None or serial <= high)


def read(request, slug, serial):
    """(generation, the published issue or None) in one statement; installs the session and the
    user on the request when every check passes (see the module's docstring)."""
    fast = _fast_sessions(request)
    if not _fits_the_column(serial):
        return public_pages.generation(), None  # no such issue: Django's path answers 404
    if connection.vendor not in ("postgresql", "sqlite") or not fast and request.COOKIES.get(settings.SESSION_COOKIE_NAME):
        return public_pages.generation(), None  # Django's path throughout
    if connection.vendor not in _statements:
        _statements[connection.vendor] = _statement()
    sql, user_model, user_fields, issue_fields, publication_fields = _statements[connection.vendor]
    session_key = request.session.session_key if fast else None
    user_id = _user_of_session.get(session_key) if session_key else None
    row = _row(sql, [session_key, None, user_id, slug, serial, Issue.Status.PUBLISHED])
    data = None
    if row is not None and row[1] is not None:
        data = request.session.decode(row[1])
        user_pk = data.get(auth.SESSION_KEY)
        if user_pk is not None and str(user_pk) != user_id:
            # A session this worker has not seen: read again with its user (once per session).
            _remember(session_key, user_pk)
            row = _row(sql, [session_key, None, str(user_pk), slug, serial, Issue.Status.PUBLISHED])
            data = request.session.decode(row[1]) if row is not None and row[1] is not None else None
    if row is None:  # cannot happen (keys and unique constraints); Django's path decides
        return public_pages.generation(), None
    generation, roles = row[0] or public_pages.generation(), row[2]
    start = 3
    user_values = row[start:start + len(user_fields)]
    start += len(user_fields)
    issue_values = row[start:start + len(issue_fields)]
    publication_values = row[start + len(issue_fields):]

    issue = None
    if issue_values[0] is not None:
        issue = _instance(Issue, issue_fields, "i", issue_values)
        issue.publication = _instance(Publication, publication_fields, "p", publication_values)

    if data is not None and user_values[0] is not None:
        user = _verified_user(data, _instance(user_model, user_fields, "u", user_values))
        if user is not None:
            user._bulletin_roles = set(roles.split(",")) if roles else set()
            # What SessionStore.load and django.contrib.auth.middleware would have set.
            request.session._session_cache = data
            request.session.accessed = True
            request._cached_user = user
    return generation, issue
