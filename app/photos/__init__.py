"""Evidence photos (现场照片) of hazards and segments: the field officer's pin photo, before and after."""
