def run_case(module, case):
    return {}
