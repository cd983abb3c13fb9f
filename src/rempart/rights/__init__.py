"""Rights check (IDB), coverage calculation (CLC) and payment-guarantee accreditations.

The pure rules (guarantees, calculation, contrat responsable, eligibility) know only the
kernel and the registry's domain; the service reaches the registry, the audit log and
the shield through their ports."""
