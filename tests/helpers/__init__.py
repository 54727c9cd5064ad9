"""What several test modules share: query counting, timeline events. A test module
imports from here, never from another test module."""
