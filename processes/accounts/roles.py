"""The roles a user can hold in a tenant; BPMN lanes and candidateGroups use these names."""

ADMIN = "admin"
DESIGNER = "designer"
BACK_OFFICE = "back-office"
SUPERVISOR = "supervisor"

ALL_ROLES = (ADMIN, DESIGNER, BACK_OFFICE, SUPERVISOR)
