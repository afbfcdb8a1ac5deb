//! OTTPay (std side).
