"""Unencodable text in the observation: the attack case returns strings (a value and a key)
holding lone UTF-16 surrogates, which Python's json writes as "\\ud800" escapes that strict
JSON parsers reject.

Must happen: the runtime writes each lone surrogate as U+FFFD, so the result is read and
shown with replacements: verdict `wrong`, never `crashed` (a corrupted channel would blame
the wrong thing) or `judge-error`. `after` passes."""


def solve(probe):
    if "echo" in probe:
        return {"echo": probe["echo"]}
    return {"text": "lone \ud800 surrogate", "key \udfff": "low surrogate in a key"}
