"""五个一活动: activities, the work team, model units and the annual checklist."""
