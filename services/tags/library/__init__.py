"""The tag library: what a valid definition is, how it may change, and who may change it."""
