"""REJECTED: GET /notes lists every user's notes, not only the caller's.

Otherwise like accepted/flask_app.py.
"""

import json
import os
import signal
import sqlite3
import sys
from functools import wraps

from flask import Flask, abort, g, jsonify, request
from werkzeug.exceptions import HTTPException

USERS = {"alice": "wonderland", "bob": "builder"}
DB_PATH = os.path.join(os.environ["DATA_DIR"], "notes.sqlite3")

app = Flask(__name__)


def db():
    """One SQLite connection per request, closed when the request ends."""
    if "db" not in g:
        g.db = sqlite3.connect(DB_PATH)
        g.db.row_factory = sqlite3.Row
    return g.db


@app.teardown_appcontext
def close_db(exc):
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


def init_db():
    with sqlite3.connect(DB_PATH) as conn:
        # AUTOINCREMENT: an id is never handed out twice, not even the newest one after it
        # was deleted (a plain INTEGER PRIMARY KEY would reuse it).
        conn.execute("""
            CREATE TABLE IF NOT EXISTS notes (
                id    INTEGER PRIMARY KEY AUTOINCREMENT,
                owner TEXT NOT NULL,
                title TEXT NOT NULL,
                body  TEXT NOT NULL,
                tags  TEXT NOT NULL  -- a JSON array of strings
            )""")


def to_json(row):
    return {"id": row["id"], "title": row["title"], "body": row["body"],
            "tags": json.loads(row["tags"]), "owner": row["owner"]}


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        auth = request.authorization  # None when missing or malformed
        if auth is None or auth.type != "basic" or USERS.get(auth.username) != auth.password:
            return (jsonify(error="valid credentials required"), 401,
                    {"WWW-Authenticate": 'Basic realm="notes"'})
        g.user = auth.username
        return view(*args, **kwargs)
    return wrapper


def json_object():
    data = request.get_json(silent=True)  # None for a body that is not JSON
    if not isinstance(data, dict):
        abort(400, "the body must be a JSON object")
    return data


def valid_tags(tags):
    return (isinstance(tags, list) and len(tags) <= 5
            and all(isinstance(t, str) and 1 <= len(t) <= 20 and t.strip() for t in tags)
            and len(set(tags)) == len(tags))


def validate(data, partial=False):
    """Clean the fields of a request body: (fields, errors), one message per invalid field.

    A full body (POST, PUT) needs a title and gets the defaults for the rest; a partial one
    (PATCH) is checked only for the fields it has.
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
    return fields, errors


def own_note(note_id):
    row = db().execute("SELECT * FROM notes WHERE id = ?", (note_id,)).fetchone()
    if row is None:
        abort(404, f"note {note_id} not found")
    if row["owner"] != g.user:
        abort(403, f"note {note_id} belongs to another user")
    return row


def save(note_id, fields):
    with db() as conn:  # commits
        conn.execute("UPDATE notes SET title = ?, body = ?, tags = ? WHERE id = ?",
                     (fields["title"], fields["body"], json.dumps(fields["tags"]), note_id))
    return jsonify(to_json(own_note(note_id)))


@app.errorhandler(HTTPException)
def http_error(exc):
    """400, 403, 404, 405 and the rest as JSON instead of Flask's HTML pages."""
    return jsonify(error=exc.description), exc.code


@app.get("/notes")
@login_required
def list_notes():
    rows = db().execute("SELECT * FROM notes ORDER BY id")
    notes = [to_json(row) for row in rows]
    tag = request.args.get("tag")
    if tag is not None:
        notes = [note for note in notes if tag in note["tags"]]
    return jsonify(notes)


@app.post("/notes")
@login_required
def create_note():
    fields, errors = validate(json_object())
    if errors:
        return jsonify(errors=errors), 400
    with db() as conn:
        cursor = conn.execute(
            "INSERT INTO notes (owner, title, body, tags) VALUES (?, ?, ?, ?)",
            (g.user, fields["title"], fields["body"], json.dumps(fields["tags"])))
    note_id = cursor.lastrowid
    return jsonify(to_json(own_note(note_id))), 201, {"Location": f"/notes/{note_id}"}


@app.get("/notes/<int:note_id>")
@login_required
def get_note(note_id):
    return jsonify(to_json(own_note(note_id)))


@app.put("/notes/<int:note_id>")
@login_required
def replace_note(note_id):
    own_note(note_id)
    fields, errors = validate(json_object())
    if errors:
        return jsonify(errors=errors), 400
    return save(note_id, fields)


@app.patch("/notes/<int:note_id>")
@login_required
def update_note(note_id):
    note = to_json(own_note(note_id))
    fields, errors = validate(json_object(), partial=True)
    if errors:
        return jsonify(errors=errors), 400
    return save(note_id, {**note, **fields})


@app.delete("/notes/<int:note_id>")
@login_required
def delete_note(note_id):
    own_note(note_id)
    with db() as conn:
        conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
    return "", 204


if __name__ == "__main__":
    init_db()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))  # stop at once, cleanly
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
