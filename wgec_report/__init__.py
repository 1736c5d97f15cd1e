"""wgec: compile the negotiated report of the CSTD Working Group on Enhanced Cooperation."""

__version__ = "0.1.0"
