"""Which sessions belong to whom, so that an administrator can end all of a person's sessions at once."""
