"""Create the PostgreSQL database DATABASE_URL names, when it does not exist yet.

`make run` calls this before `migrate`, so `DATABASE_URL=postgres://.../provcat make run` works
on a server where only PostgreSQL itself is set up. When the database cannot be created (the
user may not create databases, the server does not answer), it says exactly what to do.
With SQLite (no DATABASE_URL) there is nothing to do: the file is made on first use.
"""

import psycopg2
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg2 import sql

# What PostgreSQL says, in English or not, when the database itself is missing: SQLSTATE
# 3D000 is not passed on by a failed connection, so the message is all there is.
MISSING = ("does not exist", "existiert nicht", "n'existe pas", "no existe")


def _connect(db: dict, name: str):
    return psycopg2.connect(
        dbname=name,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        connect_timeout=10,
    )


def how_to_create(db: dict) -> str:
    where = f"-h {db.get('HOST') or '127.0.0.1'} -p {db.get('PORT') or 5432}"
    user = db.get("USER") or "postgres"
    return (
        f"Create it as a PostgreSQL user allowed to (for example the superuser):\n"
        f"    createdb {where} -U postgres -O {user} {db['NAME']}\n"
        f'or in psql: CREATE DATABASE "{db["NAME"]}" OWNER "{user}";\n'
        f"then run `make run` again."
    )


class Command(BaseCommand):
    help = "Create the PostgreSQL database named by DATABASE_URL if it does not exist."

    def handle(self, *args, **options):
        db = settings.DATABASES["default"]
        if not settings.IS_POSTGRES:
            self.stdout.write("SQLite: nothing to create.")
            return
        name = db["NAME"]
        try:
            _connect(db, name).close()
            self.stdout.write(f"PostgreSQL database {name!r} is there.")
            return
        except psycopg2.OperationalError as exc:
            if not any(marker in str(exc) for marker in MISSING):
                raise CommandError(
                    f"Cannot reach PostgreSQL for DATABASE_URL ({db.get('HOST') or 'local socket'}:"
                    f"{db.get('PORT') or 5432}, user {db.get('USER') or '(default)'}): {str(exc).strip()}\n"
                    "Start PostgreSQL, or correct DATABASE_URL (postgres://user:password@host:5432/name)."
                ) from None
        try:
            # CREATE DATABASE cannot run in a transaction; connect to the server's own database.
            server = _connect(db, "postgres")
            server.autocommit = True
            try:
                with server.cursor() as cursor:
                    cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            finally:
                server.close()
        except psycopg2.errors.DuplicateDatabase:
            self.stdout.write(f"PostgreSQL database {name!r} is there.")  # made meanwhile by someone else
            return
        except psycopg2.Error as exc:
            raise CommandError(
                f"PostgreSQL database {name!r} does not exist and could not be created: "
                f"{str(exc).strip()}\n{how_to_create(db)}"
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Created the PostgreSQL database {name!r}."))
