"""Learning the engine's score weights from staff decisions (issue 15): fits, the weights
the lists read, and the staff page that shows what changed."""
