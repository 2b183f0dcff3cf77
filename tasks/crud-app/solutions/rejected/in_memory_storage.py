"""REJECTED: notes are kept in a dict in memory: nothing in DATA_DIR, a restart loses them.

Otherwise like accepted/flask_app.py.
"""

import os
import signal
import sys
import threading
from functools import wraps
from itertools import count

from flask import Flask, abort, g, jsonify, request
from werkzeug.exceptions import HTTPException

USERS = {"alice": "wonderland", "bob": "builder"}

app = Flask(__name__)

NOTES = {}  # id -> note
next_id = count(1)
lock = threading.Lock()


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
    note = NOTES.get(note_id)
    if note is None:
        abort(404, f"note {note_id} not found")
    if note["owner"] != g.user:
        abort(403, f"note {note_id} belongs to another user")
    return note


def save(note_id, fields):
    with lock:
        note = own_note(note_id)
        note.update(title=fields["title"], body=fields["body"], tags=fields["tags"])
    return jsonify(note)


@app.errorhandler(HTTPException)
def http_error(exc):
    """400, 403, 404, 405 and the rest as JSON instead of Flask's HTML pages."""
    return jsonify(error=exc.description), exc.code


@app.get("/notes")
@login_required
def list_notes():
    notes = [note for _, note in sorted(NOTES.items()) if note["owner"] == g.user]
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
    with lock:
        note_id = next(next_id)
        NOTES[note_id] = {"id": note_id, **fields, "owner": g.user}
    return jsonify(NOTES[note_id]), 201, {"Location": f"/notes/{note_id}"}


@app.get("/notes/<int:note_id>")
@login_required
def get_note(note_id):
    return jsonify(own_note(note_id))


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
    note = own_note(note_id)
    fields, errors = validate(json_object(), partial=True)
    if errors:
        return jsonify(errors=errors), 400
    return save(note_id, {**note, **fields})


@app.delete("/notes/<int:note_id>")
@login_required
def delete_note(note_id):
    own_note(note_id)
    with lock:
        NOTES.pop(note_id, None)
    return "", 204


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))  # stop at once, cleanly
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
