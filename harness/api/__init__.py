"""The API's facts: request/response models, error envelopes, drift and consistency rules."""
