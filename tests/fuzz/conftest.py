def pytest_terminal_summary(terminalreporter):
    from .test_api_fuzz import SEEN

    if SEEN:
        terminalreporter.write_sep("-", "API fuzzing: response status codes per role")
        for role, counts in sorted(SEEN.items()):
            terminalreporter.write_line(f"{role:>18}: " + ", ".join(f"{code}x{n}" for code, n in sorted(counts.items())))
