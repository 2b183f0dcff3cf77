#!/usr/bin/env python3
"""Writes solutions/rejected/*.py from the accepted solutions, one small edit each.

    python3 make_rejected.py

Each rejected file is an accepted file with its docstring replaced by "REJECTED: <mistake>"
and the (old, new) text replacements below applied; every `old` must occur exactly once, so a
change to an accepted file that breaks a recipe stops the script instead of writing a wrong
file. Rerun it after editing an accepted solution, then rerun check.py.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "solutions")
REJ = os.path.join(ROOT, "rejected")
os.makedirs(REJ, exist_ok=True)


def body_of(base):
    text = open(os.path.join(ROOT, "accepted", base)).read()
    m = re.match(r'"""(.*?)"""\n', text, re.S)
    return text[m.end():]


def make(name, base, mistake, edits):
    text = body_of(base)
    for old, new in edits:
        if text.count(old) != 1:
            sys.exit(f"{name}: {old[:60]!r} found {text.count(old)} times")
        text = text.replace(old, new)
    doc = f'"""REJECTED: {mistake}.\n\nOtherwise like accepted/{base}.\n"""\n'
    with open(os.path.join(REJ, name + ".py"), "w") as f:
        f.write(doc + text)


F = "flask_app.py"

make("no_auth_on_delete", F,
     "DELETE /notes/<id> lacks @login_required: anyone can delete any note, no credentials",
     [('''@app.delete("/notes/<int:note_id>")
@login_required
def delete_note(note_id):
    own_note(note_id)
    with db() as conn:
        conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
    return "", 204''', '''@app.delete("/notes/<int:note_id>")
def delete_note(note_id):
    with db() as conn:
        deleted = conn.execute("DELETE FROM notes WHERE id = ?", (note_id,)).rowcount
    if not deleted:
        abort(404, f"note {note_id} not found")
    return "", 204''')])

make("wrong_password_accepted", F,
     "only the user name is checked: any password is accepted for alice or bob",
     [('''auth.type != "basic" or USERS.get(auth.username) != auth.password:''',
       '''auth.type != "basic" or auth.username not in USERS:''')])

make("no_www_authenticate", F,
     "the 401 has no WWW-Authenticate header",
     [('''            return (jsonify(error="valid credentials required"), 401,
                    {"WWW-Authenticate": 'Basic realm="notes"'})''',
       '''            return jsonify(error="valid credentials required"), 401''')])

make("foreign_note_readable", F,
     "GET /notes/<id> does not check the owner: another user's note is returned (not 403)",
     [('''def get_note(note_id):
    return jsonify(to_json(own_note(note_id)))''', '''def get_note(note_id):
    row = db().execute("SELECT * FROM notes WHERE id = ?", (note_id,)).fetchone()
    if row is None:
        abort(404, f"note {note_id} not found")
    return jsonify(to_json(row))''')])

make("foreign_note_deletable", F,
     "DELETE /notes/<id> does not check the owner: another user's note is deleted (not 403)",
     [('''def delete_note(note_id):
    own_note(note_id)
    with db() as conn:
        conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
    return "", 204''', '''def delete_note(note_id):
    with db() as conn:
        deleted = conn.execute("DELETE FROM notes WHERE id = ?", (note_id,)).rowcount
    if not deleted:
        abort(404, f"note {note_id} not found")
    return "", 204''')])

make("foreign_note_404", F,
     "another user's note is answered 404 instead of 403",
     [('''    if row is None:
        abort(404, f"note {note_id} not found")
    if row["owner"] != g.user:
        abort(403, f"note {note_id} belongs to another user")''',
       '''    if row is None or row["owner"] != g.user:
        abort(404, f"note {note_id} not found")''')])

make("create_returns_200", F,
     "POST /notes answers 200 instead of 201",
     [('''return jsonify(to_json(own_note(note_id))), 201, {"Location": f"/notes/{note_id}"}''',
       '''return jsonify(to_json(own_note(note_id))), 200, {"Location": f"/notes/{note_id}"}''')])

make("no_location_header", F,
     "POST /notes answers 201 without a Location header",
     [('''return jsonify(to_json(own_note(note_id))), 201, {"Location": f"/notes/{note_id}"}''',
       '''return jsonify(to_json(own_note(note_id))), 201''')])

make("delete_returns_200", F,
     "DELETE answers 200 with the deleted note instead of 204 with an empty body",
     [('''def delete_note(note_id):
    own_note(note_id)
    with db() as conn:
        conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
    return "", 204''', '''def delete_note(note_id):
    note = to_json(own_note(note_id))
    with db() as conn:
        conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
    return jsonify(note)''')])

make("put_keeps_omitted_fields", F,
     "PUT behaves like PATCH: omitted fields keep their values and the title is not required",
     [('''def replace_note(note_id):
    own_note(note_id)
    fields, errors = validate(json_object())
    if errors:
        return jsonify(errors=errors), 400
    return save(note_id, fields)''', '''def replace_note(note_id):
    note = to_json(own_note(note_id))
    fields, errors = validate(json_object(), partial=True)
    if errors:
        return jsonify(errors=errors), 400
    return save(note_id, {**note, **fields})''')])

make("patch_like_put", F,
     "PATCH is validated and applied like PUT: a title is required and omitted fields reset",
     [('''    note = to_json(own_note(note_id))
    fields, errors = validate(json_object(), partial=True)
    if errors:
        return jsonify(errors=errors), 400
    return save(note_id, {**note, **fields})''', '''    own_note(note_id)
    fields, errors = validate(json_object())
    if errors:
        return jsonify(errors=errors), 400
    return save(note_id, fields)''')])

make("first_error_only", F,
     "validation stops at the first invalid field, so only that one is reported",
     [('''            errors["title"] = "required: a string of 1 to 100 characters, not only whitespace"''',
       '''            return fields, {"title": "required: a string of 1 to 100 characters, not only whitespace"}'''),
      ('''            errors["body"] = "must be a string of at most 10000 characters"''',
       '''            return fields, {"body": "must be a string of at most 10000 characters"}'''),
      ('''            errors["tags"] = "must be a list of at most 5 distinct strings of 1 to 20 characters"''',
       '''            return fields, {"tags": "must be a list of at most 5 distinct strings of 1 to 20 characters"}''')])

make("untrimmed_title", F,
     "the title is validated stripped but stored as sent, surrounding whitespace included",
     [('''            fields["title"] = title.strip()''', '''            fields["title"] = title''')])

make("whitespace_title_accepted", F,
     "the title's length is checked before stripping, so a whitespace-only title is accepted",
     [('''        if isinstance(title, str) and 1 <= len(title.strip()) <= 100:''',
       '''        if isinstance(title, str) and 1 <= len(title) <= 100:''')])

make("duplicate_tags_accepted", F,
     "tags are not checked for duplicates: [\"a\", \"a\"] is accepted",
     [('''            and all(isinstance(t, str) and 1 <= len(t) <= 20 and t.strip() for t in tags)
            and len(set(tags)) == len(tags))''',
       '''            and all(isinstance(t, str) and 1 <= len(t) <= 20 and t.strip() for t in tags))''')])

make("tags_distinct_ignoring_case", F,
     "tags are compared case-insensitively for distinctness: [\"dup\", \"Dup\"] is refused",
     [('''            and len(set(tags)) == len(tags))''',
       '''            and len({t.lower() for t in tags if isinstance(t, str)}) == len(tags))''')])

make("null_means_default", F,
     "a null body or tags is taken as the default instead of a validation error",
     [('''        body = data.get("body", "")''', '''        body = data.get("body") or ""'''),
      ('''        tags = data.get("tags", [])''', '''        tags = data.get("tags") or []''')])

make("client_sets_owner", F,
     "an owner given in the POST body is used: a client can create notes for another user",
     [('''            (g.user, fields["title"], fields["body"], json.dumps(fields["tags"])))
    note_id = cursor.lastrowid''', '''            (request.json.get("owner", g.user), fields["title"], fields["body"],
             json.dumps(fields["tags"])))
    note_id = cursor.lastrowid'''),
      ('''    return jsonify(to_json(own_note(note_id))), 201, {"Location": f"/notes/{note_id}"}''',
       '''    row = db().execute("SELECT * FROM notes WHERE id = ?", (note_id,)).fetchone()
    return jsonify(to_json(row)), 201, {"Location": f"/notes/{note_id}"}''')])

make("ids_reused_after_delete", F,
     "id is INTEGER PRIMARY KEY without AUTOINCREMENT: a deleted newest note's id is reused",
     [('''        # AUTOINCREMENT: an id is never handed out twice, not even the newest one after it
        # was deleted (a plain INTEGER PRIMARY KEY would reuse it).
        conn.execute("""
            CREATE TABLE IF NOT EXISTS notes (
                id    INTEGER PRIMARY KEY AUTOINCREMENT,''', '''        conn.execute("""
            CREATE TABLE IF NOT EXISTS notes (
                id    INTEGER PRIMARY KEY,''')])

make("ids_reused_after_restart", F,
     "ids come from a counter started at max(id) + 1: a restart reuses a deleted newest note's id",
     [('''import sys
from functools import wraps''', '''import sys
from functools import wraps
from itertools import count'''),
      ('''app = Flask(__name__)
''', '''app = Flask(__name__)
next_id = count(1)  # set from the table by init_db
'''),
      ('''def init_db():
    with sqlite3.connect(DB_PATH) as conn:''', '''def init_db():
    global next_id
    with sqlite3.connect(DB_PATH) as conn:'''),
      ('''                tags  TEXT NOT NULL  -- a JSON array of strings
            )""")
''', '''                tags  TEXT NOT NULL  -- a JSON array of strings
            )""")
        (highest,) = conn.execute("SELECT COALESCE(MAX(id), 0) FROM notes").fetchone()
    next_id = count(highest + 1)
'''),
      ('''        cursor = conn.execute(
            "INSERT INTO notes (owner, title, body, tags) VALUES (?, ?, ?, ?)",
            (g.user, fields["title"], fields["body"], json.dumps(fields["tags"])))
    note_id = cursor.lastrowid''', '''        note_id = next(next_id)
        conn.execute(
            "INSERT INTO notes (id, owner, title, body, tags) VALUES (?, ?, ?, ?, ?)",
            (note_id, g.user, fields["title"], fields["body"], json.dumps(fields["tags"])))''')])

make("html_errors", F,
     "no JSON error handler: Flask's HTML pages for 400, 403, 404 and 405",
     [('''@app.errorhandler(HTTPException)
def http_error(exc):
    """400, 403, 404, 405 and the rest as JSON instead of Flask's HTML pages."""
    return jsonify(error=exc.description), exc.code


''', ''),
      ('''from werkzeug.exceptions import HTTPException
''', '')])

make("list_not_filtered_by_owner", F,
     "GET /notes lists every user's notes, not only the caller's",
     [('''    rows = db().execute("SELECT * FROM notes WHERE owner = ? ORDER BY id", (g.user,))''',
       '''    rows = db().execute("SELECT * FROM notes ORDER BY id")''')])

make("tag_filter_ignored", F,
     "?tag= is ignored: GET /notes?tag=x lists all the caller's notes",
     [('''    notes = [to_json(row) for row in rows]
    tag = request.args.get("tag")
    if tag is not None:
        notes = [note for note in notes if tag in note["tags"]]
    return jsonify(notes)''', '''    return jsonify([to_json(row) for row in rows])''')])

make("tag_filter_substring", F,
     "?tag=x is a LIKE on the stored JSON text: it matches tags containing x, in any case",
     [('''    rows = db().execute("SELECT * FROM notes WHERE owner = ? ORDER BY id", (g.user,))
    notes = [to_json(row) for row in rows]
    tag = request.args.get("tag")
    if tag is not None:
        notes = [note for note in notes if tag in note["tags"]]
    return jsonify(notes)''', '''    tag = request.args.get("tag", "")
    rows = db().execute("SELECT * FROM notes WHERE owner = ? AND tags LIKE ? ORDER BY id",
                        (g.user, f"%{tag}%"))
    return jsonify([to_json(row) for row in rows])''')])

# --- from the other accepted solutions ---
make("malformed_auth_crashes", "stdlib_app.py",
     "bad base64 in the Authorization header crashes the request (no 401)",
     [('''            try:
                decoded = base64.b64decode(token, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            username''', '''            decoded = base64.b64decode(token).decode()
            username'''),
      ('''import base64
import binascii
''', '''import base64
''')])

make("list_response_unsafe", "django_app.py",
     "GET /notes returns JsonResponse(list) without safe=False: a TypeError, so 500",
     [('''        return JsonResponse(notes, safe=False)''', '''        return JsonResponse(notes)''')])


make("delete_returns_null", "fastapi_app.py",
     "the DELETE route has no status_code=204 and returns nothing: 200 with the body null",
     [('''@app.delete("/notes/{note_id}", status_code=204)''', '''@app.delete("/notes/{note_id}")'''),
      ('''        conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
    return Response(status_code=204)''', '''        conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))''')])

make("in_memory_storage", F,
     "notes are kept in a dict in memory: nothing in DATA_DIR, a restart loses them",
     [('''import json
import os
import signal
import sqlite3
import sys
from functools import wraps
''', '''import os
import signal
import sys
import threading
from functools import wraps
from itertools import count
'''),
      ('''USERS = {"alice": "wonderland", "bob": "builder"}
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
''', '''USERS = {"alice": "wonderland", "bob": "builder"}

app = Flask(__name__)

NOTES = {}  # id -> note
next_id = count(1)
lock = threading.Lock()
'''),
      ('''def own_note(note_id):
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
    return jsonify(to_json(own_note(note_id)))''', '''def own_note(note_id):
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
    return jsonify(note)'''),
      ('''    rows = db().execute("SELECT * FROM notes WHERE owner = ? ORDER BY id", (g.user,))
    notes = [to_json(row) for row in rows]
''', '''    notes = [note for _, note in sorted(NOTES.items()) if note["owner"] == g.user]
'''),
      ('''    with db() as conn:
        cursor = conn.execute(
            "INSERT INTO notes (owner, title, body, tags) VALUES (?, ?, ?, ?)",
            (g.user, fields["title"], fields["body"], json.dumps(fields["tags"])))
    note_id = cursor.lastrowid
    return jsonify(to_json(own_note(note_id))), 201, {"Location": f"/notes/{note_id}"}''',
       '''    with lock:
        note_id = next(next_id)
        NOTES[note_id] = {"id": note_id, **fields, "owner": g.user}
    return jsonify(NOTES[note_id]), 201, {"Location": f"/notes/{note_id}"}'''),
      ('''    return jsonify(to_json(own_note(note_id)))

''', '''    return jsonify(own_note(note_id))

'''),
      ('''    note = to_json(own_note(note_id))
    fields, errors = validate(json_object(), partial=True)''', '''    note = own_note(note_id)
    fields, errors = validate(json_object(), partial=True)'''),
      ('''    own_note(note_id)
    with db() as conn:
        conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
    return "", 204''', '''    own_note(note_id)
    with lock:
        NOTES.pop(note_id, None)
    return "", 204'''),
      ('''    init_db()
''', '')])

make("missing_note_crashes", F,
     "no check for a missing note: row[\"owner\"] on None raises, so 500 instead of 404",
     [('''    if row is None:
        abort(404, f"note {note_id} not found")
    if row["owner"] != g.user:''', '''    if row["owner"] != g.user:''')])

make("title_coerced_to_string", F,
     "the title goes through str() before validation: 5, true and null become titles",
     [('''        title = data.get("title")
        if isinstance(title, str) and 1 <= len(title.strip()) <= 100:
            fields["title"] = title.strip()''', '''        title = str(data.get("title", "")).strip()
        if 1 <= len(title) <= 100:
            fields["title"] = title''')])
print("wrote", len(os.listdir(REJ)), "files in", os.path.normpath(REJ))
