"""Problems and where they come from: the exception types, each finding's rule, and the
user's file and line every message names."""
