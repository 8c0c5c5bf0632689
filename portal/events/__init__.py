"""Matchmaking meetings (对接会): events, registrations, 1:1 meeting requests, the optimised
schedule and the outcomes that create or advance pairs."""
