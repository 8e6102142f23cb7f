package dockyard.p9.codec;

import dockyard.p9.Stat;
import net.jqwik.api.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class CodecRoundTripTest {

    @Provide Arbitrary<Message> plainMessages() { return MessageArbitraries.messages(Dialect.P9_2000); }

    @Provide Arbitrary<Message> unixMessages() { return MessageArbitraries.messages(Dialect.P9_2000_U); }

    @Provide Arbitrary<List<Stat>> plainStats() { return MessageArbitraries.stats(Dialect.P9_2000).list().ofMaxSize(10); }

    @Provide Arbitrary<List<Stat>> unixStats() { return MessageArbitraries.stats(Dialect.P9_2000_U).list().ofMaxSize(10); }

    @Property(tries = 3000)
    void everyMessageRoundTripsIn9P2000(@ForAll("plainMessages") Message m) throws ProtocolException {
        assertRoundTrip(m, Dialect.P9_2000);
    }

    @Property(tries = 3000)
    void everyMessageRoundTripsIn9P2000u(@ForAll("unixMessages") Message m) throws ProtocolException {
        assertRoundTrip(m, Dialect.P9_2000_U);
    }

    @Property
    void directoryDataOfStatsRoundTripsIn9P2000(@ForAll("plainStats") List<Stat> stats) throws ProtocolException {
        assertStatsRoundTrip(stats, Dialect.P9_2000);
    }

    @Property
    void directoryDataOfStatsRoundTripsIn9P2000u(@ForAll("unixStats") List<Stat> stats) throws ProtocolException {
        assertStatsRoundTrip(stats, Dialect.P9_2000_U);
    }

    /** Guards the generators: a round-trip property over a subset of the messages would prove little. */
    @Example
    void generatorsCoverEveryMessageType() {
        for (Dialect d : Dialect.values()) {
            Set<MessageType> seen = EnumSet.noneOf(MessageType.class);
            MessageArbitraries.messages(d).sampleStream().limit(5000).forEach(m -> seen.add(m.type()));
            assertEquals(EnumSet.allOf(MessageType.class), seen, "dialect " + d);
        }
    }

    private static void assertRoundTrip(Message m, Dialect d) throws ProtocolException {
        Codec codec = new Codec(d);
        ByteBuffer frame = codec.encode(m).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(frame.remaining(), frame.getInt(0), "size field counts the whole frame");
        assertEquals(m.type().code(), frame.get(4) & 0xFF, "type byte");
        assertEquals(m.tag(), frame.getShort(5) & 0xFFFF, "tag");
        assertEquals(concat(codec.encodeParts(m)), frame, "gathering parts carry the same bytes");
        assertEquals(m, codec.decode(frame));
    }

    private static void assertStatsRoundTrip(List<Stat> stats, Dialect d) throws ProtocolException {
        ByteBuffer all = ByteBuffer.allocate(stats.stream().mapToInt(s -> size(s, d)).sum());
        for (Stat s : stats) all.put(Codec.encodeStat(s, d));
        all.flip();
        assertEquals(stats, Codec.decodeStats(all, d));
        ByteBuffer in = all.duplicate();
        for (Stat s : stats) assertEquals(s, Codec.decodeStat(in, d), "decodeStat advances over one entry");
        assertFalse(in.hasRemaining());
    }

    private static int size(Stat s, Dialect d) {
        try {
            return Codec.statSize(s, d);
        } catch (ProtocolException e) {
            throw new AssertionError(e);
        }
    }

    private static ByteBuffer concat(ByteBuffer[] parts) {
        int n = 0;
        for (ByteBuffer p : parts) n += p.remaining();
        ByteBuffer out = ByteBuffer.allocate(n);
        for (ByteBuffer p : parts) out.put(p.duplicate());
        return out.flip();
    }
}
