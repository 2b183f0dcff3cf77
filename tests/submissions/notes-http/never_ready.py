"""Answers 503 to everything: never ready."""
import base64
import json
import os
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STORE = os.path.join(os.environ["DATA_DIR"], "notes.json")
LOCK = threading.Lock()
CREDENTIALS = "Basic " + base64.b64encode(b"ann:secret").decode()


def load():
    try:
        with open(STORE) as f:
            return json.load(f)
    except FileNotFoundError:
        return []


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, body, content_type="application/json", location=None):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        return self.reply(503, {"error": "warming up"})
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/health":
            return self.reply(200, {"status": "ok"})
        if url.path == "/slow":
            time.sleep(0.3)
            return self.reply(200, {"slept": 300})
        if url.path == "/search":
            q = urllib.parse.parse_qs(url.query).get("q", [""])[0]
            return self.reply(200, f"found: {q}", "text/plain")
        if url.path.startswith("/notes/"):
            with LOCK:
                notes = load()
            for note in notes:
                if str(note["id"]) == url.path[len("/notes/"):]:
                    return self.reply(200, note)
        return self.reply(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/notes":
            return self.reply(404, {"error": "not found"})
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        if self.headers.get("Authorization") != CREDENTIALS:
            return self.reply(401, {"error": "who are you?"})
        with LOCK:
            notes = load()
            note = {"id": len(notes) + 1, "title": body["title"]}
            notes.append(note)
            with open(STORE, "w") as f:
                json.dump(notes, f)
        return self.reply(201, note, location=f"http://127.0.0.1:{os.environ['PORT']}/notes/{note['id']}")

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
