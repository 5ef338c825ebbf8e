"""The console's commands to stations: remote commands, local lists, profiles, keys."""
