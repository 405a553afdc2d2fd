"""`kiosk hub ...`: serve the hub, manage rooms, tokens and staff passwords."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_PORT = 8470


def _add_db_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=None,
                        help="the hub's data folder (default: $KIOSK_HUB_DATA, /var/lib/room-kiosk-hub if it "
                             "exists, else ./hub-data); holds the SQLite database")
    parser.add_argument("--database", default=os.environ.get("KIOSK_HUB_DATABASE"),
                        help="postgresql://user@host:port/db to use PostgreSQL (default: $KIOSK_HUB_DATABASE, "
                             "else SQLite in the data folder)")


def _open(args: argparse.Namespace):
    from kiosk.hub.database import default_data_dir, open_hub_database

    data = args.data or default_data_dir()
    return open_hub_database(data, args.database, max_connections=4)


def cmd_serve(args: argparse.Namespace) -> int:
    from kiosk.hub.database import default_data_dir
    from kiosk.hub.serve import serve

    return serve(args.data or default_data_dir(), args.database, args.host, args.port, args.threads,
                 timezone=args.timezone, secure_cookies=args.secure_cookies, trusted_proxy=args.trusted_proxy)


def cmd_add_room(args: argparse.Namespace) -> int:
    from kiosk.hub.rooms import add_room

    hub = _open(args)
    try:
        with hub.db.connection_context():
            token = add_room(hub, args.name)
    finally:
        hub.close()
    print(token)
    print(f"room {args.name!r} added. Put this token in the kiosk's config ([hub] token); it is shown only "
          "this once.", file=sys.stderr)
    return 0


def cmd_rotate_token(args: argparse.Namespace) -> int:
    from kiosk.hub.rooms import rotate_token

    hub = _open(args)
    try:
        with hub.db.connection_context():
            token = rotate_token(hub, args.name)
    finally:
        hub.close()
    print(token)
    print(f"room {args.name!r} has a new token; the old one no longer works.", file=sys.stderr)
    return 0


def cmd_list_rooms(args: argparse.Namespace) -> int:
    from kiosk.session.record import iso_utc
    from kiosk.hub.rooms import statuses

    hub = _open(args)
    try:
        with hub.db.connection_context():
            rows = statuses(hub)
    finally:
        hub.close()
    for s in rows:
        seen = iso_utc(s.last_seen) if s.last_seen else "never"
        print(f"{s.name}\tphase={s.phase or '-'}\tlast_seen={seen}\twaiting={s.waiting}\topen_calls={s.open_calls}")
    if not rows:
        print("no rooms yet: add one with `kiosk hub add-room \"Room 3\"`", file=sys.stderr)
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    from kiosk.hub.auth import AuthError, set_password

    if args.stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"new password for {args.user}: ")
        if getpass.getpass("again: ") != password:
            print("the two passwords differ; nothing changed", file=sys.stderr)
            return 1
    hub = _open(args)
    try:
        with hub.db.connection_context():
            set_password(hub, args.user, password)
    except AuthError as exc:
        print(f"{exc}; nothing changed", file=sys.stderr)
        return 1
    finally:
        hub.close()
    print(f"password set for staff user {args.user!r}; their older logins have ended", file=sys.stderr)
    return 0


def cmd_remove_staff(args: argparse.Namespace) -> int:
    from kiosk.hub.auth import remove_staff

    hub = _open(args)
    try:
        with hub.db.connection_context():
            removed = remove_staff(hub, args.user)
    finally:
        hub.close()
    if not removed:
        print(f"there is no staff user {args.user!r}; nothing changed", file=sys.stderr)
        return 1
    print(f"staff user {args.user!r} removed; their logins end at their next request", file=sys.stderr)
    return 0


def cmd_export_key(args: argparse.Namespace) -> int:
    from kiosk.hub.database import default_data_dir
    from kiosk.hub.exportkey import ensure_identity, identity_path

    data = args.data or default_data_dir()
    public, created = ensure_identity(data)
    print(public)
    where = identity_path(data)
    print(f"{'created' if created else 'kept'} the hub's export key {where} (mode 0600; back it up). Put the line "
          "above in each kiosk's config as [export] recipient = \"age1...\"", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    import time

    from kiosk.hub.database import default_data_dir
    from kiosk.hub.exportkey import identity_path
    from kiosk.hub.imports import import_path

    identity = identity_path(args.data or default_data_dir())
    hub = _open(args)
    failed = False
    try:
        with hub.db.connection_context():
            for path in args.paths:
                report = import_path(hub, path, identity, time.time())
                print(report.line())
                failed = failed or not report.ok
    finally:
        hub.close()
    return 1 if failed else 0


def cmd_check_alerts(args: argparse.Namespace) -> int:
    """alerts.toml read as `kiosk hub serve` will read it: each channel, and any secret not in the environment."""
    from kiosk.hub.database import default_data_dir
    from kiosk.hub.notify.channels import ALERTS_FILE, describe, load_alerts, missing_secrets

    data = args.data or default_data_dir()
    settings = load_alerts(data)
    for text in describe(settings) or [f"no channels: {Path(data) / ALERTS_FILE} does not exist or names none"]:
        print(text)
    print(f"escalate after {settings.escalate_after_seconds:g} s; staff page sound every "
          f"{settings.sound_every_seconds:g} s; disconnected after {2 * settings.kiosk_heartbeat_seconds:g} s")
    problems = missing_secrets(settings)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    return 1 if problems else 0


def _run(func):
    def wrapper(args: argparse.Namespace) -> int:
        from kiosk.hub.auth import AuthError
        from kiosk.hub.database import HubDatabaseError
        from kiosk.hub.notify.channels import AlertsConfigError
        from kiosk.hub.rooms import RoomError

        try:
            return func(args)
        except (HubDatabaseError, RoomError, AuthError, AlertsConfigError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return wrapper


def register(subparsers) -> None:
    hub = subparsers.add_parser("hub", help="the hub: serve it, add rooms, set staff passwords")
    sub = hub.add_subparsers(dest="hub_command", metavar="HUB_COMMAND", required=True)

    serve = sub.add_parser("serve", help="serve the hub's API and staff page")
    _add_db_args(serve)
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; 0.0.0.0 for the whole network)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = any free)")
    serve.add_argument("--threads", type=int, default=24,
                       help="worker threads (default 24); kiosk long polls may hold all but four")
    serve.add_argument("--timezone", default=None, help="zone for log download dates (default: the system's)")
    serve.add_argument("--secure-cookies", action="store_true",
                       help="always mark the staff login cookie Secure (without it: on requests that came over "
                            "HTTPS, as the --trusted-proxy's X-Forwarded-Proto says)")
    serve.add_argument("--trusted-proxy", metavar="ADDR", default=None,
                       help="the IP address of your reverse proxy (e.g. 127.0.0.1): believe its X-Forwarded-Proto, "
                            "X-Forwarded-Host and X-Forwarded-For headers (needed behind an HTTPS proxy)")
    serve.set_defaults(func=_run(cmd_serve))

    add = sub.add_parser("add-room", help="add a room and print its token (shown once)")
    _add_db_args(add)
    add.add_argument("name", help='the room\'s name, e.g. "Room 3"')
    add.set_defaults(func=_run(cmd_add_room))

    rotate = sub.add_parser("rotate-token", help="give a room a new token (the old one stops working)")
    _add_db_args(rotate)
    rotate.add_argument("name")
    rotate.set_defaults(func=_run(cmd_rotate_token))

    listing = sub.add_parser("list-rooms", help="list rooms with their phase and last contact")
    _add_db_args(listing)
    listing.set_defaults(func=_run(cmd_list_rooms))

    password = sub.add_parser("set-password", help="add a staff user or set their password (ends their logins)")
    _add_db_args(password)
    password.add_argument("--user", default="staff", help="the staff user name (default: staff)")
    password.add_argument("--stdin", action="store_true", help="read the password from the first line of stdin")
    password.set_defaults(func=_run(cmd_set_password))

    key = sub.add_parser("export-key", help="print the hub's age recipient for sealed USB exports (made the first time)")
    _add_db_args(key)
    key.set_defaults(func=_run(cmd_export_key))

    imp = sub.add_parser("import", help="import USB exports (a plain folder or a sealed .age file), each event once")
    _add_db_args(imp)
    imp.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="an export folder or NAME.age file")
    imp.set_defaults(func=_run(cmd_import))

    alerts = sub.add_parser("check-alerts", help="read alerts.toml as the hub will: channels and missing secrets")
    _add_db_args(alerts)
    alerts.set_defaults(func=_run(cmd_check_alerts))

    remove = sub.add_parser("remove-staff", help="remove a staff user (their logins end at once)")
    _add_db_args(remove)
    remove.add_argument("--user", required=True, help="the staff user name")
    remove.set_defaults(func=_run(cmd_remove_staff))
