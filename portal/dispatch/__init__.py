"""Experts dispatched to enterprises (产业特派员)."""
