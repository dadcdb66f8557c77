"""Every query of the notifications service, by table."""
