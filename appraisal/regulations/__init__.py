"""The county's written rules (L12), kept as versioned documents."""
