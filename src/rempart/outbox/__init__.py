"""Messages to people and systems outside the platform (structures, insurers, security
analysts), written in the transaction that decided to send them and delivered after."""
