"""The shield's audit tags (`source:subject:action`). Containment steps that concern a
person's account are security events of identity's (`SecurityTag`), so that the account
shows them in its security history; these are the others."""

from __future__ import annotations

from enum import StrEnum


class ShieldTag(StrEnum):
    CLIENT_THROTTLED = "shield:client:throttled"
    CLIENT_STEP_UP = "shield:client:step_up_required"
    CLIENT_SUSPENDED = "shield:client:suspended"
    CLIENT_REINSTATED = "shield:client:reinstated"
    STRUCTURE_THROTTLED = "shield:structure:throttled"
    STRUCTURE_STEP_UP = "shield:structure:step_up_required"
    STRUCTURE_SUSPENDED = "shield:structure:suspended"
    STRUCTURE_REINSTATED = "shield:structure:reinstated"
    CHANNEL_BRAKED = "shield:channel:braked"
    CHANNEL_RELEASED = "shield:channel:released"
    LIFT_REQUESTED = "shield:lift:requested"
    LIFT_APPROVED = "shield:lift:approved"
    ALERTS_READ = "shield:alerts:read"
    ALERT_ACKNOWLEDGED = "shield:alert:acknowledged"
    CONTAINMENTS_READ = "shield:containments:read"
    ACTIVITY_READ = "shield:activity:read"  # checks per hour, busiest subjects (counts)
    OWN_ACTIVITY_READ = "shield:own_activity:read"  # a professional's own checks per hour
    HONEYTOKEN_PLANTED = "shield:honeytoken:planted"
