"""The framework's schema under Alembic: upgrade it, read its revision, list the migrations.

Every function takes an engine and works in one transaction that holds the schema lock (``BEGIN IMMEDIATE`` on
SQLite, an advisory lock on PostgreSQL), so processes that start together migrate one after the other. A database
made by ``create_all`` before migrations existed (every framework table, no ``alembic_version``) is adopted: stamped
at the baseline revision, then upgraded, never recreated. Alembic is imported only when a migration has to run:
a database already at :data:`~framework.migrations.HEAD` costs one query (:func:`ensure_current`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from framework.errors import SchemaError
from framework.migrations import BASELINE, HEAD, SCRIPT_LOCATION

if TYPE_CHECKING:
    from alembic.config import Config

#: The tables ``create_all`` made at the baseline revision.
BASELINE_TABLES = frozenset({"tenants", "entities", "entity_versions", "state_transitions", "processing_errors"})
VERSION_TABLE = "alembic_version"
#: PostgreSQL advisory lock key held while the schema changes ("exchange" in ASCII, as an int).
SCHEMA_LOCK_KEY = int.from_bytes(b"exchange", "big") >> 1
UPGRADE_HINT = "run `python -m framework.migrate upgrade` (or `exchange db upgrade`) with DATABASE_URL set"


@dataclass(frozen=True)
class SchemaState:
    """What a database holds, schema-wise."""

    #: The revisions in ``alembic_version`` (empty when there is no such table).
    revisions: tuple[str, ...]
    #: The framework tables present.
    tables: frozenset[str]

    @property
    def adoptable(self) -> bool:
        """A ``create_all`` schema from before migrations: every baseline table, never stamped."""
        return not self.revisions and self.tables >= BASELINE_TABLES

    def describe(self) -> str:
        """One line for people: the revision, or what kind of unversioned database this is."""
        if self.revisions:
            return ", ".join(self.revisions) + (" (head)" if self.revisions == (HEAD,) else "")
        if self.adoptable:
            return f"none: a schema made by create_all, adopted as {BASELINE} on upgrade"
        return "none: no framework schema" if not self.tables else f"none: only {', '.join(sorted(self.tables))}"


@dataclass(frozen=True)
class UpgradeResult:
    """What :func:`upgrade` did."""

    before: SchemaState
    #: The revisions afterwards.
    after: tuple[str, ...]

    @property
    def adopted(self) -> bool:
        """The database was a ``create_all`` one and got stamped."""
        return self.before.adoptable


@dataclass(frozen=True)
class Revision:
    """One migration."""

    id: str
    down: tuple[str, ...]
    message: str
    is_head: bool


def alembic_config(extra_versions: Sequence[Path] = ()) -> Config:
    """The Alembic config of the shipped migrations (plus ``extra_versions`` folders, e.g. a test's)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("path_separator", "os")
    locations = [SCRIPT_LOCATION / "versions", *extra_versions]
    config.set_main_option("version_locations", os.pathsep.join(str(p) for p in locations))
    return config


def read_state(connection: sa.Connection) -> SchemaState:
    """The schema state seen through ``connection``."""
    tables = set(sa.inspect(connection).get_table_names())
    revisions: tuple[str, ...] = ()
    if VERSION_TABLE in tables:
        rows = connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}"))
        revisions = tuple(sorted(str(r[0]) for r in rows))
    return SchemaState(revisions, frozenset(tables & BASELINE_TABLES))


def current(engine: sa.Engine) -> SchemaState:
    """The schema state of ``engine``'s database (connects; changes nothing)."""
    with engine.connect() as connection:
        return read_state(connection)


def upgrade(engine: sa.Engine, revision: str = "head", *, config: Config | None = None) -> UpgradeResult:
    """Migrate ``engine``'s database to ``revision``, adopting a ``create_all`` schema first; one transaction."""
    from alembic import command
    from alembic.util import CommandError

    config = config or alembic_config()
    with engine.begin() as connection:
        _lock(connection)
        before = read_state(connection)
        if not before.revisions and before.tables and not before.adoptable:
            raise SchemaError(
                f"The database {_safe(engine)} holds some framework tables ({', '.join(sorted(before.tables))}) "
                "but not all of them and no migration revision: it was not made by exchange.",
                hint="point DATABASE_URL at an empty database or at one exchange created",
            )
        config.attributes["connection"] = connection
        try:
            if before.adoptable:
                command.stamp(config, BASELINE)
            command.upgrade(config, revision)
        except CommandError as exc:
            raise SchemaError(
                f"Cannot upgrade the database {_safe(engine)} (revision {before.describe()}) to {revision}: {exc}",
                hint="a revision this code does not know means a newer exchange migrated the database: deploy "
                "that version (or name a revision `exchange db history` lists)",
            ) from exc
        after = read_state(connection).revisions
    return UpgradeResult(before, after)


def history(config: Config | None = None) -> list[Revision]:
    """Every migration, newest first."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(config or alembic_config())
    heads = set(scripts.get_heads())
    return [
        Revision(s.revision, _as_tuple(s.down_revision), (s.doc or "").strip(), s.revision in heads)
        for s in scripts.walk_revisions()
    ]


def head_revisions(config: Config | None = None) -> tuple[str, ...]:
    """The head revision(s) of the migration scripts."""
    from alembic.script import ScriptDirectory

    return tuple(sorted(ScriptDirectory.from_config(config or alembic_config()).get_heads()))


def ensure_current(engine: sa.Engine, *, migrate: bool) -> None:
    """Make sure the database is at :data:`HEAD`: upgrade it when ``migrate``, else raise :class:`SchemaError`.

    The common case (already at head) is one query and no alembic import.
    """
    if _at_head(engine):
        return
    if migrate:
        upgrade(engine)
        return
    state = current(engine)
    raise SchemaError(
        f"The database {_safe(engine)} is not at the schema this code needs (revision {HEAD}); its revision: "
        f"{state.describe()}.",
        hint=UPGRADE_HINT + ", before this version of the app takes traffic",
    )


def _at_head(engine: sa.Engine) -> bool:
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    except sa.exc.DBAPIError:  # no version table yet (the connection itself failing raises another error)
        return False
    return [str(r[0]) for r in rows] == [HEAD]


def _lock(connection: sa.Connection) -> None:
    # SQLite: the engine's BEGIN IMMEDIATE already serialises writers. PostgreSQL: one migrator at a time.
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(SCHEMA_LOCK_KEY)))


def _safe(engine: sa.Engine) -> str:
    return make_url(engine.url).render_as_string(hide_password=True)


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)
