package dockyard.p9.codec;

/**
 * One 9P message. Every message carries the tag that pairs a response with its request; tags are
 * unsigned 16-bit values and {@link #NOTAG} is reserved for Tversion.
 */
public sealed interface Message permits Request, Response {
    /** The tag of Tversion/Rversion. */
    int NOTAG = 0xFFFF;
    /** "No fid": the afid of an unauthenticated Tattach. */
    int NOFID = ~0;
    /** The most path elements one Twalk may carry (and qids one Rwalk may return). */
    int MAXWELEM = 16;

    int tag();

    /** The wire type of this message. */
    default MessageType type() { return MessageType.of(this); }

    /** Checks the unsigned 16-bit range of a tag; records call it from their constructors. */
    static int checkTag(int tag) {
        if (tag < 0 || tag > 0xFFFF) throw new IllegalArgumentException("tag out of range: " + tag);
        return tag;
    }
}
