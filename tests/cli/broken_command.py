"""A command module that fails to import (for the lazy group's tests)."""

raise RuntimeError("this module is broken on purpose")
