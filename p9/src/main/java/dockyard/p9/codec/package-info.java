/**
 * The 9P2000 / 9P2000.u wire format: every message as a record of the sealed {@link dockyard.p9.codec.Message}
 * hierarchy, a {@link dockyard.p9.codec.Codec} that encodes and strictly decodes frames for one
 * {@link dockyard.p9.codec.Dialect}, and frame-level channel I/O ({@link dockyard.p9.codec.FrameReader},
 * {@link dockyard.p9.codec.FrameWriter}). No connection state lives here; server and client build on it.
 */
package dockyard.p9.codec;
