package dockyard.p9.codec;

import java.util.Optional;

/** The protocol variants this library speaks; the dialect decides the wire layout of several messages. */
public enum Dialect {
    /** Plain 9P2000 as in Plan 9's intro(5). */
    P9_2000("9P2000"),
    /** The Unix extension: numeric ids, errno in Rerror, symlink/device extension strings. */
    P9_2000_U("9P2000.u");

    private final String version;

    Dialect(String version) { this.version = version; }

    /** The version string exchanged in Tversion/Rversion. */
    public String version() { return version; }

    /**
     * The dialect a server answers to a client's version string, per version(5): "9P2000.u" is taken
     * as is, and any other "9P2000.x" falls back to its base "9P2000" (so a 9P2000.L client is
     * offered plain 9P2000). Anything else is not understood and gets "unknown".
     */
    public static Optional<Dialect> negotiate(String clientVersion) {
        if (clientVersion.equals(P9_2000_U.version)) return Optional.of(P9_2000_U);
        int dot = clientVersion.indexOf('.');
        String base = dot < 0 ? clientVersion : clientVersion.substring(0, dot);
        return base.equals(P9_2000.version) ? Optional.of(P9_2000) : Optional.empty();
    }

    /** The dialect named exactly by {@code version}, as a client reads an Rversion. */
    public static Optional<Dialect> ofVersion(String version) {
        for (Dialect d : values()) if (d.version.equals(version)) return Optional.of(d);
        return Optional.empty();
    }
}
