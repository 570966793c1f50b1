"""The REST API under /api/v1/: every app's viewsets on one router.

Its URL names start with "api-": the pages hold "client-list", "employee-list" and the like, and
the API root would otherwise link to the pages."""

from rest_framework.routers import DefaultRouter

from accounts.api import EmployeeViewSet, UnitViewSet
from appraisal.api import ResultViewSet
from marketing.api import ClientViewSet, TierListViewSet
from staffing.api import AssignmentViewSet, ComplianceViewSet

router = DefaultRouter()
router.register("units", UnitViewSet, basename="api-unit")
router.register("employees", EmployeeViewSet, basename="api-employee")
router.register("clients", ClientViewSet, basename="api-client")
router.register("tiers", TierListViewSet, basename="api-tier")
router.register("compliance", ComplianceViewSet, basename="api-compliance")
router.register("assignments", AssignmentViewSet, basename="api-assignment")
router.register("appraisal/results", ResultViewSet, basename="api-appraisal-result")
