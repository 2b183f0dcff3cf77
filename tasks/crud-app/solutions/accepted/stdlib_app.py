"""Notes API with the standard library only: http.server's ThreadingHTTPServer and sqlite3."""

import base64
import binascii
import json
import os
import re
import signal
import sqlite3
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

USERS = {"alice": "wonderland", "bob": "builder"}
DB_PATH = os.path.join(os.environ["DATA_DIR"], "notes.sqlite3")
NOTE_PATH = re.compile(r"/notes/([0-9]+)")


class ApiError(Exception):
    def __init__(self, status, body=None, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def connect():
    conn = sqlite3.connect(DB_PATH)
    conn.row_factory = sqlite3.Row
    return conn


def init_db():
    with connect() as conn:
        # AUTOINCREMENT: ids are never reused, not even the newest one after it is deleted.
        conn.execute("""
            CREATE TABLE IF NOT EXISTS notes (
                id    INTEGER PRIMARY KEY AUTOINCREMENT,
                owner TEXT NOT NULL,
                title TEXT NOT NULL,
                body  TEXT NOT NULL,
                tags  TEXT NOT NULL  -- a JSON array of strings
            )""")
    conn.close()


def to_json(row):
    return {"id": row["id"], "title": row["title"], "body": row["body"],
            "tags": json.loads(row["tags"]), "owner": row["owner"]}


def valid_tags(tags):
    return (isinstance(tags, list) and len(tags) <= 5
            and all(isinstance(t, str) and 1 <= len(t) <= 20 and t.strip() for t in tags)
            and len(set(tags)) == len(tags))


def validate(data, partial=False):
    """The cleaned fields, or ApiError 400 naming every invalid field.

    POST and PUT need a title and get the defaults for the rest; PATCH (partial) checks only
    the fields it sends.
    """
    fields, errors = {}, {}
    if "title" in data or not partial:
        title = data.get("title")
        if isinstance(title, str) and 1 <= len(title.strip()) <= 100:
            fields["title"] = title.strip()
        else:
            errors["title"] = "required: a string of 1 to 100 characters, not only whitespace"
    if "body" in data or not partial:
        body = data.get("body", "")
        if isinstance(body, str) and len(body) <= 10000:
            fields["body"] = body
        else:
            errors["body"] = "must be a string of at most 10000 characters"
    if "tags" in data or not partial:
        tags = data.get("tags", [])
        if valid_tags(tags):
            fields["tags"] = tags
        else:
            errors["tags"] = "must be a list of at most 5 distinct strings of 1 to 20 characters"
    if errors:
        raise ApiError(400, {"errors": errors})
    return fields


class Handler(BaseHTTPRequestHandler):
    def user(self):
        """The user name from valid HTTP Basic credentials, or ApiError 401."""
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(token, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            username, sep, password = decoded.partition(":")
            if sep and USERS.get(username) == password:
                return username
        raise ApiError(401, {"error": "valid credentials required"},
                       {"WWW-Authenticate": 'Basic realm="notes"'})

    def json_object(self):
        try:
            data = json.loads(self.body)
        except ValueError:  # also UnicodeDecodeError
            raise ApiError(400, {"error": "the body is not valid JSON"}) from None
        if not isinstance(data, dict):
            raise ApiError(400, {"error": "the body must be a JSON object"})
        return data

    def own_note(self, conn, note_id, user):
        row = conn.execute("SELECT * FROM notes WHERE id = ?", (note_id,)).fetchone()
        if row is None:
            raise ApiError(404, {"error": f"note {note_id} not found"})
        if row["owner"] != user:
            raise ApiError(403, {"error": f"note {note_id} belongs to another user"})
        return to_json(row)

    def notes(self, conn, user, query):
        if self.command == "GET":
            rows = conn.execute("SELECT * FROM notes WHERE owner = ? ORDER BY id", (user,))
            notes = [to_json(row) for row in rows]
            tag = parse_qs(query).get("tag")
            if tag:
                notes = [note for note in notes if tag[0] in note["tags"]]
            return 200, notes, {}
        if self.command == "POST":
            fields = validate(self.json_object())
            cursor = conn.execute(
                "INSERT INTO notes (owner, title, body, tags) VALUES (?, ?, ?, ?)",
                (user, fields["title"], fields["body"], json.dumps(fields["tags"])))
            note = {"id": cursor.lastrowid, **fields, "owner": user}
            return 201, note, {"Location": f"/notes/{note['id']}"}
        raise ApiError(405, {"error": f"method {self.command} not allowed"})

    def note(self, conn, user, note_id):
        if self.command not in ("GET", "PUT", "PATCH", "DELETE"):
            raise ApiError(405, {"error": f"method {self.command} not allowed"})
        note = self.own_note(conn, note_id, user)
        if self.command == "GET":
            return 200, note, {}
        if self.command == "DELETE":
            conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
            return 204, None, {}
        note.update(validate(self.json_object(), partial=self.command == "PATCH"))
        conn.execute("UPDATE notes SET title = ?, body = ?, tags = ? WHERE id = ?",
                     (note["title"], note["body"], json.dumps(note["tags"]), note_id))
        return 200, note, {}

    def dispatch(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length > 0 else b""
        url = urlsplit(self.path)
        match = NOTE_PATH.fullmatch(url.path)
        try:
            if url.path != "/notes" and not match:
                raise ApiError(404, {"error": "not found"})
            user = self.user()
            conn = connect()
            try:
                with conn:  # commit on success
                    if match:
                        status, body, headers = self.note(conn, user, int(match.group(1)))
                    else:
                        status, body, headers = self.notes(conn, user, url.query)
            finally:
                conn.close()
        except ApiError as exc:
            status, body, headers = exc.status, exc.body, exc.headers
        self.respond(status, body, headers)

    def respond(self, status, body, headers):
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:  # a 204 has neither
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = dispatch

    def log_message(self, format, *args):  # keep stderr quiet
        pass


if __name__ == "__main__":
    init_db()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))  # stop at once, cleanly
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
    server.serve_forever()
