def pytest_terminal_summary(terminalreporter):
    from .test_api_fuzz import SEEN
    from .test_outside import EXCLUDED_CHECKS, RESULTS, unexpected_failures

    if SEEN:
        terminalreporter.write_sep("-", "API fuzzing: response status codes per role")
        for role, counts in sorted(SEEN.items()):
            terminalreporter.write_line(f"{role:>18}: " + ", ".join(f"{code}x{n}" for code, n in sorted(counts.items())))
    if RESULTS:
        terminalreporter.write_sep("-", "schemathesis from outside (--checks all): per role")
        for role, summary in RESULTS.items():
            statuses = ", ".join(f"{code}x{n}" for code, n in summary["statuses"].items())
            unexpected = unexpected_failures(summary)
            failing = sum(len(ops) for ops in unexpected.values())
            terminalreporter.write_line(f"{role:>20}: {summary['requests']} requests; {failing} failing "
                                        f"(operation, check), {len(summary['known'])} known business rules; "
                                        f"statuses {statuses}")
            for check, ops in sorted(unexpected.items()):
                terminalreporter.write_line(f"{'':>22}FAIL {check}: {len(ops)}: {', '.join(sorted(ops)[:6])}")
        for check, reason in EXCLUDED_CHECKS.items():
            terminalreporter.write_line(f"  check not run: {check}: {reason}")
