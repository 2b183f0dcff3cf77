"""REJECTED: GET /notes returns JsonResponse(list) without safe=False: a TypeError, so 500.

Otherwise like accepted/django_app.py.
"""

import base64
import binascii
import json
import os
import signal
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="not-secret: nothing here is signed",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={"default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(os.environ["DATA_DIR"], "notes.sqlite3"),
    }},
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    USE_TZ=True,
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402  (after settings)
from django.db import connection, models  # noqa: E402
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views import View  # noqa: E402

USERS = {"alice": "wonderland", "bob": "builder"}


class Note(models.Model):
    owner = models.CharField(max_length=50)
    title = models.CharField(max_length=100)
    body = models.TextField(blank=True, default="")
    tags = models.JSONField(default=list)

    class Meta:
        app_label = "notes"
        ordering = ["id"]

    def to_json(self):
        return {"id": self.id, "title": self.title, "body": self.body, "tags": self.tags,
                "owner": self.owner}


class ApiError(Exception):
    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.response = JsonResponse(body, status=status, headers=headers)


def authenticated_user(request):
    """The user name from valid HTTP Basic credentials, or None."""
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        username, sep, password = base64.b64decode(token, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if sep and USERS.get(username) == password:
        return username
    return None


def json_object(request):
    try:
        data = json.loads(request.body)
    except ValueError:  # also UnicodeDecodeError
        raise ApiError(400, {"error": "the body is not valid JSON"}) from None
    if not isinstance(data, dict):
        raise ApiError(400, {"error": "the body must be a JSON object"})
    return data


def valid_tags(tags):
    return (isinstance(tags, list) and len(tags) <= 5
            and all(isinstance(t, str) and 1 <= len(t) <= 20 and t.strip() for t in tags)
            and len(set(tags)) == len(tags))


def validate(data, partial=False):
    """The cleaned fields of a body, or ApiError 400 naming every invalid field.

    POST and PUT (partial=False) need a title and get defaults for the rest; PATCH checks only
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


class NotesApiView(View):
    """Authenticates every request, and turns ApiError into its JSON response."""

    def dispatch(self, request, *args, **kwargs):
        self.user = authenticated_user(request)
        if self.user is None:
            return JsonResponse({"error": "valid credentials required"}, status=401,
                                headers={"WWW-Authenticate": 'Basic realm="notes"'})
        try:
            return super().dispatch(request, *args, **kwargs)
        except ApiError as exc:
            return exc.response

    def http_method_not_allowed(self, request, *args, **kwargs):
        return JsonResponse({"error": f"method {request.method} not allowed"}, status=405)


class NoteListView(NotesApiView):
    def get(self, request):
        notes = [note.to_json() for note in Note.objects.filter(owner=self.user)]
        tag = request.GET.get("tag")
        if tag is not None:
            notes = [note for note in notes if tag in note["tags"]]
        return JsonResponse(notes)

    def post(self, request):
        note = Note.objects.create(owner=self.user, **validate(json_object(request)))
        return JsonResponse(note.to_json(), status=201, headers={"Location": f"/notes/{note.id}"})


class NoteDetailView(NotesApiView):
    def own_note(self, note_id):
        note = Note.objects.filter(id=note_id).first()
        if note is None:
            raise ApiError(404, {"error": f"note {note_id} not found"})
        if note.owner != self.user:
            raise ApiError(403, {"error": f"note {note_id} belongs to another user"})
        return note

    def update(self, note, fields):
        for name, value in fields.items():
            setattr(note, name, value)
        note.save()
        return JsonResponse(note.to_json())

    def get(self, request, note_id):
        return JsonResponse(self.own_note(note_id).to_json())

    def put(self, request, note_id):
        note = self.own_note(note_id)
        return self.update(note, validate(json_object(request)))

    def patch(self, request, note_id):
        note = self.own_note(note_id)
        return self.update(note, validate(json_object(request), partial=True))

    def delete(self, request, note_id):
        self.own_note(note_id).delete()
        return HttpResponse(status=204)


def not_found(request, exception):
    return JsonResponse({"error": "not found"}, status=404)


def server_error(request):
    return JsonResponse({"error": "internal server error"}, status=500)


urlpatterns = [
    path("notes", NoteListView.as_view()),
    path("notes/<int:note_id>", NoteDetailView.as_view()),
]
handler404 = not_found
handler500 = server_error


def create_table():
    if Note._meta.db_table not in connection.introspection.table_names():
        with connection.schema_editor() as editor:
            editor.create_model(Note)


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    create_table()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))  # stop at once, cleanly
    port = int(os.environ["PORT"])
    httpd = make_server("127.0.0.1", port, get_wsgi_application(),
                        server_class=ThreadingWSGIServer, handler_class=QuietHandler)
    print(f"serving on http://127.0.0.1:{port}", file=sys.stderr)
    httpd.serve_forever()
