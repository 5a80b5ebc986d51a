"""GraphQL object types of the gateway, one per module, each built from its proto with `from_proto`."""
