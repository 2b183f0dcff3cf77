def run_case(module, case):
    return module.solve(case)
