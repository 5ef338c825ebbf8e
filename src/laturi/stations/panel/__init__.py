"""The console over stations: panel pages, the event feed and the activity API."""
