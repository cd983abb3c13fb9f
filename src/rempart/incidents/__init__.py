"""Breach response: the incident register (GDPR art. 33(5)), exact exposure scoping from
the audit log, containment through the services that own each measure, and the insurers'
and people's notifications (art. 33 and 34), in French."""
