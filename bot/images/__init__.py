"""Images drawn for every channel: the pet and the stats charts (PNG)."""
