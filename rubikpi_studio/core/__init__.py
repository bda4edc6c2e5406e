"""Qt-free core: everything the user can do is a call here first."""
