"""Statuses of season applications and contracts (one place for both)."""
from enum import StrEnum


class ApplicationStatus(StrEnum):
    """Where an application stands in the onboarding."""

    SUBMITTED = "submitted"          # received, eligibility and capacity not yet checked
    WAITLISTED = "waitlisted"        # eligible, site full: waits for a freed place
    IN_REVIEW = "in_review"          # holds a place; documents, vehicles, tariff, contract
    PAYMENT = "payment"              # waiting for a payment method that verifies
    APPROVAL = "approval"            # unusual: waiting for a supervisor
    ONBOARDED = "onboarded"          # contract active, access issued, welcome sent
    REFUSED = "refused"

    @property
    def final(self):
        """True when the application will not move any more."""
        return self in (ApplicationStatus.ONBOARDED, ApplicationStatus.REFUSED)


class ContractStatus(StrEnum):
    """Contract life cycle; invoicing bills "active" contracts."""

    PENDING = "pending"              # drafted by the onboarding, not yet in force
    ACTIVE = "active"
    SUSPENDED = "suspended"          # dunning decided to suspend it
    TERMINATED = "terminated"        # ended (after its last day)
    CANCELLED = "cancelled"          # drafted, but the application was refused


# Contracts that occupy a place at their site (until their last day has passed).
HOLDING_PLACE = (ContractStatus.PENDING, ContractStatus.ACTIVE, ContractStatus.SUSPENDED)
