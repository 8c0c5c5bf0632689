"""Open challenge lists (揭榜挂帅) and innovation competitions (创新创业大赛)."""
