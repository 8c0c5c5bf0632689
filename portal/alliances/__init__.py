"""Alliances and sub-platforms: pages, admin tools and API of accounts.Alliance."""
