"""The REST API under /api/v1/: every app's viewsets on one router."""

from rest_framework.routers import DefaultRouter

from accounts.api import EmployeeViewSet, UnitViewSet
from appraisal.api import ResultViewSet
from marketing.api import ClientViewSet, TierListViewSet
from staffing.api import AssignmentViewSet, ComplianceViewSet

router = DefaultRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("employees", EmployeeViewSet, basename="employee")
router.register("clients", ClientViewSet, basename="client")
router.register("tiers", TierListViewSet, basename="tier")
router.register("compliance", ComplianceViewSet, basename="compliance")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("appraisal/results", ResultViewSet, basename="appraisal-result")
