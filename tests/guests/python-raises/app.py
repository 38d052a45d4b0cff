"""python-raises: a routing-only policy (world `routing-policy`) whose self-check raises an
uncaught exception, as a policy author's bug would. It first prints a line to stderr; the host
must refuse it showing both, the exception's own message included (issue 13, "errors in words").
Built by the tests with componentize-py (tests/support/src/examples.rs `python_test_guest`).
"""

import sys

from wit_world import exports
from wit_world.exports.routing import PlanRequest, ResolveRequest, Resolution, RoutingPlan
from wit_world.imports.policy_types import PolicyInfo


class Identity(exports.Identity):
    def self_check(self) -> PolicyInfo:
        print("python-raises: checking the family table", file=sys.stderr)
        families: dict = {}
        if not families:
            raise RuntimeError("the family table is empty (test exception)")
        return PolicyInfo(name="python-raises", version="0.1.0", contract="0.3.0")


class Routing(exports.Routing):
    def plan(self, request: PlanRequest) -> RoutingPlan:
        return RoutingPlan(routes=[], default_route=None, discovery=request.discovery, valid_for_seconds=None)

    def resolve(self, request: ResolveRequest) -> Resolution:
        raise RuntimeError("python-raises resolves nothing")
