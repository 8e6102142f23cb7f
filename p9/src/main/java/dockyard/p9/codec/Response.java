package dockyard.p9.codec;

/** An R-message: the server's answer to the request with the same tag. */
public sealed interface Response extends Message
        permits Rversion, Rauth, Rattach, Rerror, Rflush, Rwalk, Ropen, Rcreate, Rread, Rwrite, Rclunk, Rremove, Rstat, Rwstat {
}
