import json

SETTINGS = json.loads("{not json")
