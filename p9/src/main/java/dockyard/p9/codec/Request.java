package dockyard.p9.codec;

/** A T-message: sent by clients, handled by servers. */
public sealed interface Request extends Message
        permits Tversion, Tauth, Tattach, Tflush, Twalk, Topen, Tcreate, Tread, Twrite, Tclunk, Tremove, Tstat, Twstat {
}
