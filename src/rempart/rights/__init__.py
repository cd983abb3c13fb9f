"""Rights check (IDB), coverage calculation (CLC) and payment-guarantee accreditations."""
