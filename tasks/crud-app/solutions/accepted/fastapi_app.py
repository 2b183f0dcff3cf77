"""Notes API with FastAPI + uvicorn and SQLite: HTTP Basic auth, validation by hand.

Bodies are parsed and validated by hand rather than declared as pydantic parameters, because
FastAPI would answer 422 for them where the contract wants 400 with its own shapes.
"""

import json
import os
import secrets
import sqlite3
from contextlib import contextmanager

import uvicorn
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials

USERS = {"alice": "wonderland", "bob": "builder"}
DB_PATH = os.path.join(os.environ["DATA_DIR"], "notes.sqlite3")

app = FastAPI()
security = HTTPBasic(realm="notes")  # 401 with WWW-Authenticate when credentials are missing


@contextmanager
def database():
    conn = sqlite3.connect(DB_PATH)
    conn.row_factory = sqlite3.Row
    try:
        with conn:  # commit on success, roll back on an exception
            yield conn
    finally:
        conn.close()


def init_db():
    with database() as conn:
        # AUTOINCREMENT: ids are never reused, not even the newest one after it is deleted.
        conn.execute("""
            CREATE TABLE IF NOT EXISTS notes (
                id    INTEGER PRIMARY KEY AUTOINCREMENT,
                owner TEXT NOT NULL,
                title TEXT NOT NULL,
                body  TEXT NOT NULL,
                tags  TEXT NOT NULL  -- a JSON array of strings
            )""")


def to_json(row) -> dict:
    return {"id": row["id"], "title": row["title"], "body": row["body"],
            "tags": json.loads(row["tags"]), "owner": row["owner"]}


def current_user(credentials: HTTPBasicCredentials = Depends(security)) -> str:
    expected = USERS.get(credentials.username)
    if expected is None or not secrets.compare_digest(credentials.password.encode(),
                                                      expected.encode()):
        raise HTTPException(401, "valid credentials required",
                            headers={"WWW-Authenticate": 'Basic realm="notes"'})
    return credentials.username


class BadRequest(Exception):
    def __init__(self, body: dict):
        self.body = body


@app.exception_handler(BadRequest)
async def bad_request(request: Request, exc: BadRequest):
    return JSONResponse(exc.body, status_code=400)


async def json_object(request: Request) -> dict:
    try:
        data = json.loads(await request.body())
    except ValueError:  # also UnicodeDecodeError
        raise BadRequest({"error": "the body is not valid JSON"}) from None
    if not isinstance(data, dict):
        raise BadRequest({"error": "the body must be a JSON object"})
    return data


def valid_tags(tags) -> bool:
    return (isinstance(tags, list) and len(tags) <= 5
            and all(isinstance(t, str) and 1 <= len(t) <= 20 and t.strip() for t in tags)
            and len(set(tags)) == len(tags))


def validate(data: dict, partial: bool = False) -> dict:
    """The cleaned fields, or BadRequest naming every invalid field.

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
        raise BadRequest({"errors": errors})
    return fields


def own_note(conn, note_id: int, user: str) -> dict:
    row = conn.execute("SELECT * FROM notes WHERE id = ?", (note_id,)).fetchone()
    if row is None:
        raise HTTPException(404, f"note {note_id} not found")
    if row["owner"] != user:
        raise HTTPException(403, f"note {note_id} belongs to another user")
    return to_json(row)


def save(conn, note: dict) -> dict:
    conn.execute("UPDATE notes SET title = ?, body = ?, tags = ? WHERE id = ?",
                 (note["title"], note["body"], json.dumps(note["tags"]), note["id"]))
    return note


@app.get("/notes")
def list_notes(tag: str | None = None, user: str = Depends(current_user)):
    with database() as conn:
        rows = conn.execute("SELECT * FROM notes WHERE owner = ? ORDER BY id", (user,))
        notes = [to_json(row) for row in rows]
    return [note for note in notes if tag is None or tag in note["tags"]]


@app.post("/notes", status_code=201)
async def create_note(request: Request, response: Response, user: str = Depends(current_user)):
    fields = validate(await json_object(request))
    with database() as conn:
        cursor = conn.execute(
            "INSERT INTO notes (owner, title, body, tags) VALUES (?, ?, ?, ?)",
            (user, fields["title"], fields["body"], json.dumps(fields["tags"])))
    response.headers["Location"] = f"/notes/{cursor.lastrowid}"
    return {"id": cursor.lastrowid, **fields, "owner": user}


@app.get("/notes/{note_id}")
def get_note(note_id: int, user: str = Depends(current_user)):
    with database() as conn:
        return own_note(conn, note_id, user)


@app.put("/notes/{note_id}")
async def replace_note(note_id: int, request: Request, user: str = Depends(current_user)):
    with database() as conn:
        note = own_note(conn, note_id, user)
        fields = validate(await json_object(request))
        return save(conn, {**note, **fields})


@app.patch("/notes/{note_id}")
async def update_note(note_id: int, request: Request, user: str = Depends(current_user)):
    with database() as conn:
        note = own_note(conn, note_id, user)
        fields = validate(await json_object(request), partial=True)
        return save(conn, {**note, **fields})


@app.delete("/notes/{note_id}", status_code=204)
def delete_note(note_id: int, user: str = Depends(current_user)):
    with database() as conn:
        own_note(conn, note_id, user)
        conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
    return Response(status_code=204)


if __name__ == "__main__":
    init_db()
    # uvicorn stops on SIGTERM by itself (it finishes the requests in flight, then exits).
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning")
