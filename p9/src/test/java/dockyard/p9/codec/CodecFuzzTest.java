package dockyard.p9.codec;

import net.jqwik.api.*;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.io.ByteArrayInputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Whatever bytes arrive, decoding either yields a message or raises {@link ProtocolException}:
 * never an unchecked exception that would escape a connection's error handling.
 */
class CodecFuzzTest {

    @Provide Arbitrary<Dialect> dialects() { return Arbitraries.of(Dialect.class); }

    @Provide Arbitrary<Message> anyMessages() {
        return Arbitraries.oneOf(MessageArbitraries.messages(Dialect.P9_2000), MessageArbitraries.messages(Dialect.P9_2000_U));
    }

    /** A mutation of an encoded frame: what a buggy or hostile peer might send instead. */
    sealed interface Mutation {
        byte[] apply(byte[] frame);
    }

    record FlipByte(int index, byte xor) implements Mutation {
        public byte[] apply(byte[] f) {
            if (f.length == 0) return f;
            byte[] out = f.clone();
            out[Math.floorMod(index, f.length)] ^= (byte) (xor == 0 ? 1 : xor);
            return out;
        }
    }

    record SetByte(int index, byte value) implements Mutation {
        public byte[] apply(byte[] f) {
            if (f.length == 0) return f;
            byte[] out = f.clone();
            out[Math.floorMod(index, f.length)] = value;
            return out;
        }
    }

    record Truncate(int length) implements Mutation {
        public byte[] apply(byte[] f) { return java.util.Arrays.copyOf(f, Math.floorMod(length, f.length + 1)); }
    }

    record Append(byte[] extra) implements Mutation {
        public byte[] apply(byte[] f) {
            byte[] out = java.util.Arrays.copyOf(f, f.length + extra.length);
            System.arraycopy(extra, 0, out, f.length, extra.length);
            return out;
        }
    }

    /** Makes the size field agree with the (mutated) length, so the body parser is what gets tested. */
    record FixSize() implements Mutation {
        public byte[] apply(byte[] f) {
            if (f.length < 4) return f;
            byte[] out = f.clone();
            ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(0, out.length);
            return out;
        }
    }

    @Provide Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Mutation> one = Arbitraries.oneOf(
                Combinators.combine(Arbitraries.integers(), Arbitraries.bytes()).as(FlipByte::new),
                Combinators.combine(Arbitraries.integers(), Arbitraries.of((byte) 0, (byte) 0xFF, (byte) 17, (byte) 0x7F)).as(SetByte::new),
                Arbitraries.integers().map(Truncate::new),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(8).map(Append::new),
                Arbitraries.just(new FixSize()));
        return one.list().ofMinSize(1).ofMaxSize(4);
    }

    @Property(tries = 2000)
    void arbitraryBytesDecodeOrRaiseProtocolException(@ForAll @Size(max = 120) byte[] bytes, @ForAll("dialects") Dialect d) {
        decodeOrReject(new Codec(d), bytes);
    }

    @Property(tries = 3000)
    void arbitraryBodiesBehindAValidHeaderDecodeOrRaiseProtocolException(
            @ForAll @IntRange(min = 100, max = 127) int type, @ForAll @IntRange(min = 0, max = 0xFFFF) int tag,
            @ForAll @Size(max = 120) byte[] body, @ForAll("dialects") Dialect d) {
        ByteBuffer f = ByteBuffer.allocate(7 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        f.putInt(7 + body.length).put((byte) type).putShort((short) tag).put(body);
        decodeOrReject(new Codec(d), f.array());
    }

    @Property(tries = 5000)
    void mutatedFramesDecodeOrRaiseProtocolException(@ForAll("anyMessages") Message m, @ForAll("dialects") Dialect d,
                                                      @ForAll("mutations") List<Mutation> mutations) {
        Codec codec = new Codec(d);
        byte[] frame;
        try {
            frame = toArray(codec.encode(m));
        } catch (ProtocolException e) {
            throw new AssertionError("generated messages always encode", e);
        }
        for (Mutation mu : mutations) frame = mu.apply(frame);
        decodeOrReject(codec, frame);
    }

    @Property(tries = 1000)
    void everyTruncationOfAValidFrameIsRejected(@ForAll("anyMessages") Message m, @ForAll("dialects") Dialect d) throws ProtocolException {
        Codec codec = new Codec(d);
        byte[] frame = toArray(codec.encode(m));
        for (int len = 0; len < frame.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(frame, len);
            assertThrows(ProtocolException.class, () -> codec.decode(ByteBuffer.wrap(cut)), "truncated to " + len);
            if (len >= 4) {
                ByteBuffer.wrap(cut).order(ByteOrder.LITTLE_ENDIAN).putInt(0, len);
                decodeOrReject(codec, cut); // a consistent size may happen to describe a shorter valid message
            }
        }
    }

    @Property(tries = 1000)
    void frameReaderYieldsFramesOrCheckedErrors(@ForAll @Size(max = 200) byte[] stream, @ForAll @IntRange(min = 7, max = 64) int max) {
        FrameReader reader = new FrameReader(Channels.newChannel(new ByteArrayInputStream(stream)));
        int consumed = 0;
        try {
            for (ByteBuffer f; (f = reader.read(max)) != null; ) {
                assertTrue(f.remaining() >= 7 && f.remaining() <= max);
                assertEquals(f.remaining(), f.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(0));
                consumed += f.remaining();
            }
            assertEquals(stream.length, consumed, "clean end only after whole frames");
        } catch (ProtocolException | EOFException expected) {
            assertNotNull(expected.getMessage());
        } catch (IOException e) {
            fail("unexpected I/O failure reading from memory", e);
        }
    }

    /** Decoding must give a message or a ProtocolException; a message must then survive a round trip. */
    static void decodeOrReject(Codec codec, byte[] bytes) {
        Message m;
        try {
            m = codec.decode(ByteBuffer.wrap(bytes));
        } catch (ProtocolException expected) {
            assertNotNull(expected.getMessage());
            assertFalse(expected.getMessage().isBlank());
            return;
        }
        try {
            assertEquals(m, codec.decode(codec.encode(m)), "a decoded message re-encodes to itself");
        } catch (ProtocolException e) {
            fail("a decoded message must encode again", e);
        }
    }

    private static byte[] toArray(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
