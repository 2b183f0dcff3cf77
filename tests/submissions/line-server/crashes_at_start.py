import os

port = int(os.environ["PORT"])
raise RuntimeError("cannot start: no database configured")
