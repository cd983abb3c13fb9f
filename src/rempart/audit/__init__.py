"""Access events, the Merkle log, signed checkpoints, proofs, history (issue #4).

So far: the RFC 9162 Merkle tree hashing and proofs the log will rest on."""
