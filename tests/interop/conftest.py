"""pytest hooks of the interop suite: a skipped test is a failed test (CI must never pass by
skipping), and the source folder is importable."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = "the interop suite does not skip: %s" % (report.longrepr,)
