"""The conversation runtime every channel shares: the turn pipeline (pipeline.py) with its
per-user order, pace and privacy rules, and the contract a channel package implements (channel.py)."""

from bot.runtime.channel import Arrival, Channel, ChannelBase, ChannelCapabilities, Placed, Profile, Where
from bot.runtime.pipeline import TurnPipeline

__all__ = ["Arrival", "Channel", "ChannelBase", "ChannelCapabilities", "Placed", "Profile", "TurnPipeline", "Where"]
