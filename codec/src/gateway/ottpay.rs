//! OTTPay
