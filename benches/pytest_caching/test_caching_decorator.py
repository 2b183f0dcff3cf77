import json

import pytest
from conftest import CASES, harness, solution


def matches(expected, actual):
    if isinstance(expected, dict) and set(expected) == {"$type"}:
        return actual is None if expected["$type"] == "null" else True
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and expected.keys() == actual.keys()
            and all(matches(v, actual[k]) for k, v in expected.items())
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(matches(e, a) for e, a in zip(expected, actual))
        )
    return type(expected) is type(actual) and expected == actual


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case):
    observed = json.loads(json.dumps(harness.run_case(solution, case["input"]), default=repr))
    assert matches(case["expect"], observed), observed
