"""Rights check (IDB), coverage calculation (CLC) and the contrat responsable rules.

`domain` holds the vocabulary (care lines, consumption, rule codes, the rounding rule),
`calculation` the coverage calculation and `responsible` the contrat responsable checks;
all three are pure (standard library, the kernel and `registry.domain` only).
"""
