"""Key ring, field AEAD, blind indexes, pseudonyms, rotation, key-source port."""
