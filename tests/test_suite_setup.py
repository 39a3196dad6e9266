"""The test run itself: what makes ``pytest`` on two cores fast must keep working."""

from __future__ import annotations

import os

import pytest


@pytest.mark.xdist_group("suite_setup")
def test_xdist_groups_reach_the_scheduler(request):
    """A file with a module fixture (a torchrun launch, a trained run) runs in one worker, or it is built in each.

    pytest-xdist hands the group to its scheduler in the test's id (``…@group``); pytest 9.2 stopped honouring
    that (pytest-dev/pytest-xdist#1386) and nothing failed, the suite just did the work twice. pyproject pins
    pytest below 9.2 for it; this test fails if the grouping is lost again.
    """
    if "PYTEST_XDIST_WORKER" not in os.environ:  # pytest -n 0: no scheduler, nothing to check
        return
    loadgroup = getattr(request.config.option, "loadgroup", None)
    assert loadgroup is not None, "pytest-xdist no longer tells its workers whether --dist loadgroup is on"
    if not loadgroup:  # another --dist asked for on the command line
        return
    assert request.node.nodeid.endswith("@suite_setup"), (
        f"pytest {pytest.__version__} with pytest-xdist lost the xdist_group of {request.node.nodeid}")
